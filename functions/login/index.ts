import { addressGuard } from "../../shared/auth/guards.js";
import { createSession } from "../../shared/auth/session.js";
import { derivedUserId } from "../../shared/auth/user-id.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { withRedis } from "../../shared/redis/client.js";
import { exchangeCode } from "../../shared/wechat/client.js";

export const main_handler = serve(
  endpoint("login", { guard: addressGuard }, async ({ body, config, redis, keys }) => {
    const identity = await exchangeCode(config, body.code);
    const uid = derivedUserId(config.WX_SECRET, config.WX_APPID, identity.openid);
    const token = await withRedis(redis, () => createSession(redis, keys, { ...identity, uid }, config.SESSION_TTL_S));
    return { body: { sessionKey: token, expiresIn: config.SESSION_TTL_S } };
  }),
);
