import { ipLimitGuard } from "../../shared/auth/guards.js";
import { createSession } from "../../shared/auth/session.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";
import { exchangeCode } from "../../shared/wechat/client.js";

export const main_handler = serve(
  endpoint(
    "login",
    { config: ["wechat", "session"], guard: ipLimitGuard("login") },
    async ({ body, config, redis, keys }) => {
      const identity = await exchangeCode(config, body.code);
      const token = await withRedis(redis, () => createSession(redis, keys, identity, config.SESSION_TTL_S));
      return { body: { sessionKey: token, expiresIn: config.SESSION_TTL_S } };
    },
  ),
);
