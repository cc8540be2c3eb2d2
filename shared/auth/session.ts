/**
 * Session tokens: 32 random bytes, hex, handed to the client once. Redis keeps only the token's
 * SHA-256, mapped to the WeChat identity, with a lifetime fixed at login (not sliding).
 * WeChat's session_key is not kept: no feature needs it.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "../redis/keys.js";

export const SESSION_HEADER = "x-wx-session";
const TOKEN_FORMAT = /^[0-9a-f]{64}$/;

export interface Identity {
  openid: string;
  unionid?: string;
}

export interface SessionUser extends Identity {
  tokenHash: string;
}

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** A header value that could be one of our tokens; anything else is refused without a lookup. */
export const looksLikeToken = (value: string | undefined): value is string =>
  value !== undefined && TOKEN_FORMAT.test(value);

/** Stores a new session in one round trip and returns its token. */
export async function createSession(client: Redis, keys: RedisKeys, identity: Identity, ttlS: number): Promise<string> {
  const token = randomBytes(32).toString("hex");
  const tokenHash = hashToken(token);
  const key = keys.session(tokenHash);
  const fields: Record<string, string> = { openid: identity.openid, createdAt: String(Date.now()) };
  if (identity.unionid) fields.unionid = identity.unionid;
  const index = keys.userSessions(identity.openid);
  const result = await client
    .multi()
    .hset(key, fields)
    .expire(key, ttlS)
    .sadd(index, tokenHash)
    .expire(index, ttlS)
    .exec();
  const failed = result?.find(([err]) => err);
  if (!result || failed) throw failed?.[0] ?? new Error("session write aborted");
  return token;
}

/** Revokes one session at once (one round trip). */
export async function revokeSession(client: Redis, keys: RedisKeys, user: SessionUser): Promise<void> {
  await client.multi().del(keys.session(user.tokenHash)).srem(keys.userSessions(user.openid), user.tokenHash).exec();
}
