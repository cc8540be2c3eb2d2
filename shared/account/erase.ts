/**
 * Erasing a user (PIPL: a user may demand deletion of their personal information): every
 * session, conversation, stored turn, index and counter keyed by their openid, in one script.
 */
import type { Redis } from "ioredis";
import type { SessionUser } from "../auth/session.js";
import type { RedisKeys } from "../redis/keys.js";
import { Script } from "../redis/script.js";

const eraseScript = new Script(`
-- KEYS[1] sessions index, KEYS[2] conversations index
-- ARGV[1] session key prefix, ARGV[2] conversation key prefix, ARGV[3] openid, ARGV[4..] other keys
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. h)
end
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'owner') == ARGV[3] then
    redis.call('DEL', key, key .. ':messages')
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 4, #ARGV do redis.call('DEL', ARGV[i]) end
return 1
`);

/** Deletes everything we hold about the user (one round trip). */
export async function eraseUser(client: Redis, keys: RedisKeys, user: SessionUser): Promise<void> {
  await eraseScript.run(
    client,
    [keys.userSessions(user.openid), keys.userConversations(user.openid)],
    [keys.session(""), keys.conversation(""), user.openid, `${keys.rate("chat")}${user.openid}`],
  );
}
