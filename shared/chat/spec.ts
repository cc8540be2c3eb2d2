/** What every chat endpoint checks before its turn: configuration, message length and the gate. */
import { type SessionContext, sessionGuard } from "../auth/guards.js";
import { conversationKey } from "../conversations/store.js";
import { ApiError } from "../errors.js";
import { fillSettings } from "../http/body.js";
import type { Spec } from "../http/handler.js";
import { type ChatRequest, codePoints, FIELD_RULES } from "../schemas.js";
import { retryOf } from "./turn.js";

type ChatGroups = "openclaw" | "conversations" | "quota" | "contentSecurity";

export const chatSpec: Spec<ChatRequest, ChatGroups, SessionContext> = {
  config: ["openclaw", "conversations", "quota", "contentSecurity"],
  check: (body, config) => {
    if (codePoints(body.message) > config.MESSAGE_MAX_CHARS) {
      throw new ApiError("invalid_request", fillSettings(FIELD_RULES.message, config));
    }
  },
  guard: sessionGuard<ChatRequest>({
    limit: "chat",
    quota: true,
    retry: retryOf,
    owns: ({ body }, keys) => (body.conversation_id ? conversationKey(keys, body.conversation_id) : null),
    ownedName: "Conversation",
  }),
};
