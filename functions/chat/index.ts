import { sessionGuard } from "../../shared/auth/guards.js";
import { historyPolicy } from "../../shared/conversations/policy.js";
import { conversationKey, recordTurn, resolveConversation } from "../../shared/conversations/store.js";
import { ApiError } from "../../shared/errors.js";
import { serve } from "../../shared/http/handler.js";
import { complete } from "../../shared/openclaw/client.js";
import { withRedis } from "../../shared/redis/client.js";
import { type ChatRequest, codePoints } from "../../shared/schemas.js";

export const main_handler = serve(
  "chat",
  {
    config: ["openclaw", "conversations"],
    check: (body, config) => {
      if (codePoints(body.message) > config.MESSAGE_MAX_CHARS) {
        throw new ApiError("invalid_request", `message: at most ${config.MESSAGE_MAX_CHARS} characters`);
      }
    },
    guard: sessionGuard<ChatRequest>({
      limit: "chat",
      owns: ({ body }, keys) => (body.conversation_id ? conversationKey(keys, body.conversation_id) : null),
      ownedName: "Conversation",
    }),
  },
  async ({ body, user, owned, config, redis, keys, log }) => {
    const conversation = resolveConversation(body.conversation_id, owned);
    const answer = await complete(config, conversation.upstreamKey, body.message);
    // The reply exists and was paid for: a failed write must not throw it away.
    const turn = { message: body.message, reply: answer.text };
    await withRedis(redis, () => recordTurn(redis, keys, user, conversation, turn, historyPolicy(config))).catch(
      (e: ApiError) => log.warn("conversation not recorded; reply returned anyway", { reason: e.operatorNote }),
    );
    return { body: { reply: answer.text, conversation_id: conversation.id, tokens_used: answer.tokens } };
  },
);
