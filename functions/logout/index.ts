import { sessionGuard } from "../../shared/auth/guards.js";
import { revokeSession } from "../../shared/auth/session.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";

export const main_handler = serve(
  endpoint("logout", { guard: sessionGuard }, async ({ user, redis, keys }) => {
    await withRedis(redis, () => revokeSession(redis, keys, user));
    return { body: undefined };
  }),
);
