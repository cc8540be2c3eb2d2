import { sessionGuard } from "../../shared/auth/guards.js";
import { listConversations } from "../../shared/conversations/store.js";
import { serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve("conversations", { config: [], guard: sessionGuard() }, async ({ redis, mine }) => {
  const conversations = await withRedis(redis, () => listConversations(redis, mine));
  return { body: { conversations } };
});
