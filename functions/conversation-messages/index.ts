import { sessionGuard } from "../../shared/auth/guards.js";
import { readMessages } from "../../shared/conversations/store.js";
import { serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  "conversation-messages",
  {
    config: ["conversations"],
    guard: sessionGuard({
      owns: ({ params }) => params.id ?? "",
      ownedName: "Conversation",
    }),
  },
  async ({ req, config, redis, mine }) => {
    const id = req.params.id ?? "";
    const messages = config.HISTORY_ENABLED
      ? await withRedis(redis, () => readMessages(redis, mine, id, config.HISTORY_MAX_MESSAGES))
      : [];
    return { body: { messages } };
  },
);
