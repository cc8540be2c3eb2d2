/**
 * API paths, checked against the backend's route table at compile time: the type-only import
 * costs nothing at runtime, and a path that drifts from shared/routes.ts fails `tsc`.
 */
import type { routes } from "../../shared/routes";

type PathOf<Name extends keyof typeof routes> = (typeof routes)[Name]["path"];

export const LOGIN_PATH: PathOf<"login"> = "/api/auth/wx-login";
export const CHAT_PATH: PathOf<"chat"> = "/api/chat";
export const CHAT_STREAM_PATH: PathOf<"chat-stream"> = "/api/chat/stream";
export const CONVERSATIONS_PATH: PathOf<"conversations"> = "/api/conversations";
const CONVERSATION_MESSAGES_PATH: PathOf<"conversation-messages"> = "/api/conversations/{id}/messages";
const CONVERSATION_DELETE_PATH: PathOf<"conversation-delete"> = "/api/conversations/{id}";

const withId = (template: string, id: string) => template.replace("{id}", encodeURIComponent(id));

export const conversationMessagesPath = (id: string) => withId(CONVERSATION_MESSAGES_PATH, id);
export const conversationPath = (id: string) => withId(CONVERSATION_DELETE_PATH, id);
