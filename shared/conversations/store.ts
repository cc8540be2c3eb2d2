/**
 * Conversations: a random id owned by one openid, with its own opaque OpenClaw `user` key
 * (never the openid). Ownership is proven by the gate before any upstream call; the record is
 * created or renewed only after a reply, in one round trip, so a failed first turn leaves nothing.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { SessionUser } from "../auth/session.js";
import type { RedisKeys } from "../redis/keys.js";
import { Script } from "../redis/script.js";

const ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

export interface Conversation {
  id: string;
  /** The `user` value OpenClaw keys its session by. */
  upstreamKey: string;
  isNew: boolean;
}

/**
 * The key the gate checks ownership of. An id we could never have issued maps to a key that
 * cannot exist, so it is a 404 like any other stranger's id.
 */
export function conversationKey(keys: RedisKeys, id: string): string {
  return ID_FORMAT.test(id) ? keys.conversation(id) : keys.conversation("!");
}

const newId = () => randomBytes(16).toString("base64url");

/** The conversation a turn belongs to: the owned one the request named, or a new one. */
export function resolveConversation(requestedId: string | null | undefined, owned?: Record<string, string>) {
  if (requestedId && owned?.key) return { id: requestedId, upstreamKey: owned.key, isNew: false };
  return { id: newId(), upstreamKey: `wxc-${newId()}`, isNew: true } satisfies Conversation;
}

const recordScript = new Script(`
-- KEYS[1] conversation, KEYS[2] the owner's conversation index
-- ARGV[1] owner, ARGV[2] upstream key, ARGV[3] now (ms), ARGV[4] ttl (ms), ARGV[5] '1' when new
if ARGV[5] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'key', ARGV[2], 'createdAt', ARGV[3], 'updatedAt', ARGV[3])
else
  -- Deleted or expired while the reply was being written: do not bring it back.
  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], string.sub(KEYS[1], #ARGV[6] + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`);

/** Creates or renews the conversation after a completed turn (one round trip). */
export async function recordTurn(
  client: Redis,
  keys: RedisKeys,
  user: SessionUser,
  conversation: Conversation,
  ttlS: number,
): Promise<boolean> {
  const key = keys.conversation(conversation.id);
  const stored = await recordScript.run(
    client,
    [key, keys.userConversations(user.openid)],
    [
      user.openid,
      conversation.upstreamKey,
      Date.now(),
      ttlS * 1000,
      conversation.isNew ? "1" : "0",
      keys.conversation(""),
    ],
  );
  return stored === 1;
}
