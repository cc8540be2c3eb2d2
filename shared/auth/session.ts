/**
 * Session tokens: 64 hex characters, handed to the client once. The first 16 are the user's
 * derived id (their Redis hash tag, a keyed hash that reveals nothing of the openid), the other
 * 48 are 24 random bytes (CONTRACT §4). With the tag, every later request knows the user's
 * keys before its first round trip, so that one script can do the whole gate, on a cluster too.
 * Redis keeps only the token's SHA-256, mapped to the WeChat identity, with a lifetime fixed at
 * login (not sliding). WeChat's session_key is not kept: no feature needs it.
 */
import { createHash, randomBytes } from "node:crypto";
import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, USER_ID_HEX } from "../redis/keys.js";

export const SESSION_HEADER = "x-wx-session";
const TOKEN_FORMAT = /^[0-9a-f]{64}$/;
const RANDOM_BYTES = 24;

export interface Identity {
  openid: string;
  unionid?: string;
}

export interface SessionUser extends Identity {
  /** The derived id every key of the user is named by. */
  uid: string;
  tokenHash: string;
}

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** A header value that could be one of our tokens; anything else is refused without a lookup. */
export const looksLikeToken = (value: string | undefined): value is string =>
  value !== undefined && TOKEN_FORMAT.test(value);

/** The user tag at the front of a token (which the session's key proves, being under it). */
export const userIdOfToken = (token: string): string => token.slice(0, USER_ID_HEX);

/** Stores a new session in one round trip (a MULTI, one slot) and returns its token. */
export async function createSession(
  client: RedisClient,
  keys: RedisKeys,
  identity: Identity & { uid: string },
  ttlS: number,
): Promise<string> {
  const token = `${identity.uid}${randomBytes(RANDOM_BYTES).toString("hex")}`;
  const tokenHash = hashToken(token);
  const user = keys.user(identity.uid);
  const key = user.session(tokenHash);
  const fields: Record<string, string> = { openid: identity.openid, createdAt: String(Date.now()) };
  if (identity.unionid) fields.unionid = identity.unionid;
  const result = await client
    .multi()
    .hset(key, fields)
    .expire(key, ttlS)
    .sadd(user.sessions, tokenHash)
    .expire(user.sessions, ttlS)
    .exec();
  const failed = result?.find(([err]) => err);
  if (!result || failed) throw failed?.[0] ?? new Error("session write aborted");
  return token;
}

/** Revokes one session at once (one round trip). */
export async function revokeSession(client: RedisClient, keys: RedisKeys, user: SessionUser): Promise<void> {
  const mine = keys.user(user.uid);
  await client.multi().del(mine.session(user.tokenHash)).srem(mine.sessions, user.tokenHash).exec();
}
