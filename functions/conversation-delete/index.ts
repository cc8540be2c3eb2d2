import { sessionGuard } from "../../shared/auth/guards.js";
import { conversationKey, deleteConversation } from "../../shared/conversations/store.js";
import { serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  "conversation-delete",
  {
    config: [],
    guard: sessionGuard({
      owns: ({ params }, keys) => conversationKey(keys, params.id ?? ""),
      ownedName: "Conversation",
    }),
  },
  async ({ req, user, redis, keys }) => {
    await withRedis(redis, () => deleteConversation(redis, keys, user, req.params.id ?? ""));
    return { body: undefined };
  },
);
