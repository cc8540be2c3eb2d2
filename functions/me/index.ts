import { eraseUser } from "../../shared/account/erase.js";
import { sessionGuard } from "../../shared/auth/guards.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  endpoint("me-delete", { guard: sessionGuard }, async ({ redis, mine }) => {
    await withRedis(redis, () => eraseUser(redis, mine));
    return { body: undefined };
  }),
);
