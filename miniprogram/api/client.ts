/** The client the pages use: sessions and endpoints bound to one backend origin. */
import { type Chat, createChat } from "./chat";
import { type ChatStream, createChatStream } from "./chat-stream";
import { createHistory, type History } from "./conversations";
import { createSessions, type Sessions } from "./session";

export interface ApiClientOptions {
  /** The registered HTTPS origin (config.ts). */
  baseUrl: string;
  /** Deadline of a whole chat turn, streamed or not. */
  chatTimeoutMs: number;
  loginTimeoutMs: number;
  /** Deadline of a history call (list, messages, delete); the login's by default. */
  historyTimeoutMs?: number;
  storageKey: string;
}

export interface ApiClient extends History {
  /** One chat turn; logs in first when needed, and again once if the session was refused. */
  chat: Chat;
  /** One chat turn whose reply arrives in pieces (`onDelta`); the same login handling. */
  chatStream: ChatStream;
  /** Logs in now (say, at launch, so the first message does not wait for it). */
  login(): Promise<string>;
  readonly sessions: Sessions;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const sessions = createSessions({
    baseUrl: options.baseUrl,
    timeoutMs: options.loginTimeoutMs,
    storageKey: options.storageKey,
  });
  const chatOptions = { baseUrl: options.baseUrl, timeoutMs: options.chatTimeoutMs };
  return {
    chat: createChat(sessions, chatOptions),
    chatStream: createChatStream(sessions, chatOptions),
    ...createHistory(sessions, {
      baseUrl: options.baseUrl,
      timeoutMs: options.historyTimeoutMs ?? options.loginTimeoutMs,
    }),
    login: () => sessions.login(),
    sessions,
  };
}
