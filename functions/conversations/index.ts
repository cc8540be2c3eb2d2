import { sessionGuard } from "../../shared/auth/guards.js";
import {
  conversationKey,
  deleteConversation,
  listConversations,
  readMessages,
} from "../../shared/conversations/store.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

const owned = sessionGuard({
  owns: ({ params }, keys) => conversationKey(keys, params.id ?? ""),
  ownedName: "Conversation",
});

export const main_handler = serve(
  endpoint("conversations", { config: [], guard: sessionGuard() }, async ({ user, redis, keys }) => {
    const conversations = await withRedis(redis, () => listConversations(redis, keys, user));
    return { body: { conversations } };
  }),
  endpoint(
    "conversation-messages",
    { config: ["conversations"], guard: owned },
    async ({ req, config, redis, keys }) => {
      const id = req.params.id ?? "";
      const messages = config.HISTORY_ENABLED
        ? await withRedis(redis, () => readMessages(redis, keys, id, config.HISTORY_MAX_MESSAGES))
        : [];
      return { body: { messages } };
    },
  ),
  endpoint("conversation-delete", { config: [], guard: owned }, async ({ req, user, redis, keys }) => {
    await withRedis(redis, () => deleteConversation(redis, keys, user, req.params.id ?? ""));
    return { body: undefined };
  }),
);
