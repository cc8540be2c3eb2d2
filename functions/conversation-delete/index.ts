import { sessionGuard } from "../../shared/auth/guards.js";
import { deleteConversation, retryFieldsOf } from "../../shared/conversations/store.js";
import { serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  "conversation-delete",
  {
    config: [],
    guard: sessionGuard({
      owns: ({ params }) => params.id ?? "",
      ownedName: "Conversation",
    }),
  },
  async ({ req, redis, mine, owned }) => {
    await withRedis(redis, () => deleteConversation(redis, mine, req.params.id ?? "", retryFieldsOf(owned)));
    return { body: undefined };
  },
);
