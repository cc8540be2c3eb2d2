/** What every chat endpoint adds to its record: the session guard, its retry ids and the message length. */
import { type SessionContext, sessionGuard } from "../auth/guards.js";
import { ApiError } from "../errors.js";
import { fillSettings } from "../http/body.js";
import type { Spec } from "../http/pipeline.js";
import { codePoints, FIELD_RULES } from "../schemas.js";
import { claimOf, inProgress, releaseClaim, waitForTurn } from "./idempotency.js";

export const chatSpec: Spec<"chat" | "chat-stream", SessionContext> = {
  guard: sessionGuard,
  retry: { claim: (body) => claimOf(body), wait: waitForTurn, busy: inProgress, release: releaseClaim },
  check: (body, config) => {
    if (codePoints(body.message) > config.MESSAGE_MAX_CHARS) {
      throw new ApiError("invalid_request", fillSettings(FIELD_RULES.message, config));
    }
  },
};
