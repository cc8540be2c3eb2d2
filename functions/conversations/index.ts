import { sessionGuard } from "../../shared/auth/guards.js";
import {
  deleteConversation,
  listConversations,
  readMessages,
  retryFieldsOf,
} from "../../shared/conversations/store.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  endpoint("conversations", { guard: sessionGuard }, async ({ redis, mine }) => {
    const conversations = await withRedis(redis, () => listConversations(redis, mine));
    return { body: { conversations } };
  }),
  endpoint("conversation-messages", { guard: sessionGuard }, async ({ req, config, redis, mine }) => {
    const id = req.params.id ?? "";
    const messages = config.HISTORY_ENABLED
      ? await withRedis(redis, () => readMessages(redis, mine, id, config.HISTORY_MAX_MESSAGES))
      : [];
    return { body: { messages } };
  }),
  endpoint("conversation-delete", { guard: sessionGuard }, async ({ req, redis, mine, owned }) => {
    await withRedis(redis, () => deleteConversation(redis, mine, req.params.id ?? "", retryFieldsOf(owned)));
    return { body: undefined };
  }),
);
