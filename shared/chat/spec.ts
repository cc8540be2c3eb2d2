/** What every chat endpoint checks before its turn: configuration, message length and the gate. */
import { type SessionContext, sessionGuard } from "../auth/guards.js";
import { ApiError } from "../errors.js";
import { fillSettings } from "../http/body.js";
import type { Spec } from "../http/pipeline.js";
import { type ChatRequest, codePoints, FIELD_RULES } from "../schemas.js";
import { claimOf, inProgress, releaseClaim, waitForTurn } from "./idempotency.js";

export const chatSpec: Spec<"chat" | "chat-stream", SessionContext> = {
  check: (body, config) => {
    if (codePoints(body.message) > config.MESSAGE_MAX_CHARS) {
      throw new ApiError("invalid_request", fillSettings(FIELD_RULES.message, config));
    }
  },
  guard: sessionGuard<ChatRequest>({
    limit: "chat",
    quota: true,
    retry: { claim: (body) => claimOf(body), wait: waitForTurn, busy: inProgress, release: releaseClaim },
    owns: ({ body }) => body.conversation_id ?? null,
    ownedName: "Conversation",
  }),
};
