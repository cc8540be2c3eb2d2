/**
 * Conversations: a random id owned by one openid, with its own opaque OpenClaw `user` key
 * (never the openid), an optional history of turns, and an entry in the owner's index.
 * Ownership is proven by the gate before any upstream call; a turn is recorded only once its
 * reply is complete, in one round trip, so a failed turn leaves nothing behind.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { SessionUser } from "../auth/session.js";
import type { RedisKeys } from "../redis/keys.js";
import { Script } from "../redis/script.js";

const ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;
const TITLE_CHARS = 40;
/** The newest conversations listed; older ones still work by id until they expire. */
export const LIST_LIMIT = 100;

export interface Conversation {
  id: string;
  /** The `user` value OpenClaw keys its session by. */
  upstreamKey: string;
  isNew: boolean;
}

export interface HistoryPolicy {
  ttlS: number;
  enabled: boolean;
  maxMessages: number;
}

export interface StoredMessage {
  role: "user" | "assistant";
  content: string;
  at: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
}

/**
 * The key the gate checks ownership of. An id we could never have issued maps to a key that
 * cannot exist, so it is a 404 like any other stranger's id.
 */
export function conversationKey(keys: RedisKeys, id: string): string {
  return ID_FORMAT.test(id) ? keys.conversation(id) : keys.conversation("!");
}

const newId = () => randomBytes(16).toString("base64url");

/**
 * OpenClaw lower-cases the `user` it keys sessions by, so the key is hex: two keys that differ
 * only in case would share one session.
 */
const newUpstreamKey = () => `wxc-${randomBytes(16).toString("hex")}`;

/** The conversation a turn belongs to: the owned one the request named, or a new one. */
export function resolveConversation(requestedId: string | null | undefined, owned?: Record<string, string>) {
  if (requestedId && owned?.key) return { id: requestedId, upstreamKey: owned.key, isNew: false };
  return { id: newId(), upstreamKey: newUpstreamKey(), isNew: true } satisfies Conversation;
}

/** The start of the first message, cut at a code point boundary. */
export function titleOf(message: string): string {
  const points = [...message.trim().replace(/\s+/g, " ")];
  return points.length > TITLE_CHARS ? `${points.slice(0, TITLE_CHARS).join("").trimEnd()}…` : points.join("");
}

const recordScript = new Script(`
-- KEYS[1] conversation, KEYS[2] its messages, KEYS[3] the owner's index
-- ARGV[1] owner, [2] upstream key, [3] now ms, [4] ttl ms, [5] '1' when new, [6] id, [7] title,
-- [8] messages kept (0 = history off), [9] user message JSON, [10] reply JSON,
-- [11] quota counter ('' = none), [12] tokens, [13] quota ttl ms,
-- [14] retry record ('' = none), [15] response JSON, [16] retry ttl ms
local stored = 1
if ARGV[5] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    stored = 0
  else
    redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'key', ARGV[2], 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
      'title', ARGV[7])
  end
elseif redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  -- Deleted or expired while the reply was being written: do not bring it back.
  stored = 0
else
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
end
if stored == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  local keep = tonumber(ARGV[8])
  if keep > 0 then
    redis.call('RPUSH', KEYS[2], ARGV[9], ARGV[10])
    redis.call('LTRIM', KEYS[2], -keep, -1)
  end
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
local used = 0
if ARGV[11] ~= '' then
  used = redis.call('INCRBY', ARGV[11], ARGV[12])
  if redis.call('PTTL', ARGV[11]) < 0 then redis.call('PEXPIRE', ARGV[11], ARGV[13]) end
end
if ARGV[14] ~= '' then
  redis.call('HSET', ARGV[14], 'state', 'done', 'response', ARGV[15])
  redis.call('PEXPIRE', ARGV[14], ARGV[16])
end
return {stored, used}
`);

export interface TurnExtras {
  /** Today's quota counter to charge with the turn's tokens. */
  quota?: { key: string; tokens: number; ttlMs: number };
  /** The retry record to complete with the response. */
  retry?: { key: string; response: string; ttlMs: number };
}

/**
 * Creates or renews the conversation after a completed turn, storing the turn, charging the
 * quota and completing the retry record, in one round trip. Returns tokens used today.
 */
export async function recordTurn(
  client: Redis,
  keys: RedisKeys,
  user: SessionUser,
  conversation: Conversation,
  turn: { message: string; reply: string },
  policy: HistoryPolicy,
  extras: TurnExtras = {},
): Promise<{ stored: boolean; quotaUsed: number }> {
  const now = Date.now();
  const [stored, used] = (await recordScript.run(
    client,
    [
      keys.conversation(conversation.id),
      keys.conversationMessages(conversation.id),
      keys.userConversations(user.openid),
    ],
    [
      user.openid,
      conversation.upstreamKey,
      now,
      policy.ttlS * 1000,
      conversation.isNew ? "1" : "0",
      conversation.id,
      policy.enabled ? titleOf(turn.message) : "",
      policy.enabled ? policy.maxMessages : 0,
      JSON.stringify({ role: "user", content: turn.message, at: now }),
      JSON.stringify({ role: "assistant", content: turn.reply, at: now }),
      extras.quota?.key ?? "",
      extras.quota?.tokens ?? 0,
      extras.quota?.ttlMs ?? 0,
      extras.retry?.key ?? "",
      extras.retry?.response ?? "",
      extras.retry?.ttlMs ?? 0,
    ],
  )) as [number, number];
  return { stored: stored === 1, quotaUsed: Number(used) };
}

const releaseScript = new Script(`
if redis.call('HGET', KEYS[1], 'state') == 'pending' then redis.call('DEL', KEYS[1]) end
return 1
`);

/** Frees a retry id whose request failed, so that a retry runs again (one round trip). */
export async function releaseRetry(client: Redis, key: string): Promise<void> {
  await releaseScript.run(client, [key], []);
}

const listScript = new Script(`
-- KEYS[1] the owner's index; ARGV[1] conversation key prefix, ARGV[2] owner, ARGV[3] how many
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
local out = {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'owner', 'title', 'createdAt', 'updatedAt')
  if f[1] == ARGV[2] then
    table.insert(out, id)
    table.insert(out, f[2] or '')
    table.insert(out, f[3] or '0')
    table.insert(out, f[4] or '0')
  else
    -- Expired or deleted: the index forgets it too.
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`);

/** The caller's conversations, most recently used first (one round trip). */
export async function listConversations(
  client: Redis,
  keys: RedisKeys,
  user: SessionUser,
): Promise<ConversationSummary[]> {
  const flat = (await listScript.run(
    client,
    [keys.userConversations(user.openid)],
    [keys.conversation(""), user.openid, LIST_LIMIT],
  )) as string[];
  const out: ConversationSummary[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    out.push({
      id: String(flat[i]),
      title: String(flat[i + 1]),
      created_at: Number(flat[i + 2]),
      updated_at: Number(flat[i + 3]),
    });
  }
  return out;
}

/** A conversation's stored turns, oldest first, at most `cap` (one round trip). */
export async function readMessages(client: Redis, keys: RedisKeys, id: string, cap: number): Promise<StoredMessage[]> {
  const raw = await client.lrange(keys.conversationMessages(id), -cap, -1);
  return raw.map((line) => JSON.parse(line) as StoredMessage);
}

const deleteScript = new Script(`
-- KEYS[1] conversation, KEYS[2] its messages, KEYS[3] the owner's index; ARGV[1] owner, ARGV[2] id
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`);

/** Deletes one of the caller's conversations with its history (one round trip). */
export async function deleteConversation(client: Redis, keys: RedisKeys, user: SessionUser, id: string) {
  return (
    (await deleteScript.run(
      client,
      [keys.conversation(id), keys.conversationMessages(id), keys.userConversations(user.openid)],
      [user.openid, id],
    )) === 1
  );
}
