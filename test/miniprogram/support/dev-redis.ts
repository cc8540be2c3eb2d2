/** The dev stack's own Redis (it prints its URL), to expire what the backend stored. */
import { Redis } from "ioredis";
import { hashToken, userIdOfToken } from "../../../shared/auth/session.js";
import { redisKeys } from "../../../shared/redis/keys.js";
import type { DevStack } from "../../support/dev-stack.js";

/** The dev stack runs with the default REDIS_KEY_PREFIX. */
const keys = redisKeys("wxclaw:");

export function devRedis(dev: DevStack): Redis {
  const url = /\[dev\] Redis: private redis-server at (redis:\/\/127\.0\.0\.1:\d+)/.exec(dev.output())?.[1];
  if (!url) throw new Error("the dev stack did not print its Redis URL");
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Where the backend keeps a session: under the SHA-256 of the token, never the token. */
export const sessionKeyOf = (token: string) => keys.user(userIdOfToken(token)).session(hashToken(token));

/** Where a conversation is kept: under its owner's tag, which the id alone does not tell. */
export async function conversationKeyOf(redis: Redis, id: string): Promise<string> {
  const [, found] = await redis.scan("0", "MATCH", `wxclaw:{*}:conv:${id}`, "COUNT", 100_000);
  const key = found.find((k) => k.endsWith(`:conv:${id}`));
  if (!key) throw new Error("no such conversation in the dev Redis");
  return key;
}
