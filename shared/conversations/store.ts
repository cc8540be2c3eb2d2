/**
 * Conversations: a random id owned by one openid, with its own opaque OpenClaw `user` key
 * (never the openid), an optional history of turns, and an entry in the owner's index.
 * Its keys sit under the owner's own hash tag, so a stranger's id names a key that cannot
 * exist: the gate's look at it is the ownership check. A turn is recorded only once its reply
 * is complete, in one round trip, so a failed turn leaves nothing behind.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import type { RedisClient } from "../redis/client.js";
import type { UserKeys } from "../redis/keys.js";
import { defineScript, luaInt, luaStr } from "../redis/script.js";
import deleteLua from "../redis/scripts/delete-conversation.lua";
import listLua from "../redis/scripts/list-conversations.lua";
import recordLua from "../redis/scripts/record-turn.lua";

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

const StoredMessage = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  at: z.number(),
});

export type StoredMessage = z.infer<typeof StoredMessage>;

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
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

const recordScript = defineScript({
  name: "record-turn",
  lua: recordLua,
  keys: ["conversation", "messages", "conversations", "quota", "retry", "retries", "erased"],
  args: [
    "upstreamKey",
    "ttlMs",
    "isNew",
    "id",
    "title",
    "keep",
    "userMessage",
    "reply",
    "tokens",
    "quotaTtlMs",
    "retryField",
    "response",
    "retryTtlMs",
    "startMs",
    "fingerprint",
  ],
  reply: z.tuple([luaInt, luaInt]),
});

export interface TurnExtras {
  /** Today's quota counter to charge with the turn's tokens. */
  quota?: { key: string; tokens: number; ttlMs: number };
  /** The retry claim to complete with the response (shared/chat/idempotency.ts). */
  retry?: { field: string; fingerprint: string; response: string; ttlMs: number };
}

/**
 * Creates or renews the conversation after a completed turn, storing the turn, charging the
 * quota and completing the retry record, in one round trip. A turn that started before the
 * user was erased, or whose conversation was deleted meanwhile, records nothing but the quota
 * charge. Returns tokens used today.
 */
export async function recordTurn(
  client: RedisClient,
  mine: UserKeys,
  startMs: number,
  conversation: Conversation,
  turn: { message: string; reply: string },
  policy: HistoryPolicy,
  extras: TurnExtras = {},
): Promise<{ stored: boolean; quotaUsed: number }> {
  const now = Date.now();
  const [stored, used] = await recordScript(client, {
    keys: {
      conversation: mine.conversation(conversation.id),
      messages: mine.messages(conversation.id),
      conversations: mine.conversations,
      quota: extras.quota?.key ?? mine.quota("00000000"),
      retry: mine.retry(extras.retry?.field ?? "0"),
      retries: mine.retries,
      erased: mine.erased,
    },
    args: {
      upstreamKey: conversation.upstreamKey,
      ttlMs: policy.ttlS * 1000,
      isNew: conversation.isNew ? "1" : "0",
      id: conversation.id,
      title: policy.enabled ? titleOf(turn.message) : "",
      keep: policy.enabled ? policy.maxMessages : 0,
      userMessage: JSON.stringify({ role: "user", content: turn.message, at: now }),
      reply: JSON.stringify({ role: "assistant", content: turn.reply, at: now }),
      tokens: extras.quota?.tokens ?? 0,
      quotaTtlMs: extras.quota?.ttlMs ?? 0,
      retryField: extras.retry?.field ?? "",
      response: extras.retry?.response ?? "",
      retryTtlMs: extras.retry?.ttlMs ?? 0,
      startMs,
      fingerprint: extras.retry?.fingerprint ?? "",
    },
  });
  return { stored: stored === 1, quotaUsed: used };
}

const listScript = defineScript({
  name: "list-conversations",
  lua: listLua,
  keys: ["conversations"],
  args: [],
  reply: z.array(z.union([luaStr, luaInt])),
});

/**
 * The caller's conversations, most recently used first: the index's newest ids (one round
 * trip), then their summaries (a second: the script is given every key it reads).
 */
export async function listConversations(client: RedisClient, mine: UserKeys): Promise<ConversationSummary[]> {
  const ids = await client.zrevrange(mine.conversations, 0, LIST_LIMIT - 1);
  if (ids.length === 0) return [];
  const flat = await listScript.withExtra(client, {
    keys: { conversations: mine.conversations },
    args: {},
    extraKeys: ids.map((id) => mine.conversation(id)),
    extraArgs: ids,
  });
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
export async function readMessages(
  client: RedisClient,
  mine: UserKeys,
  id: string,
  cap: number,
): Promise<StoredMessage[]> {
  const raw = await client.lrange(mine.messages(id), -cap, -1);
  return raw.flatMap((line) => {
    const parsed = z.safeParse(StoredMessage, JSON.parse(line));
    return parsed.success ? [parsed.data] : [];
  });
}

const deleteScript = defineScript({
  name: "delete-conversation",
  lua: deleteLua,
  keys: ["conversation", "messages", "conversations", "retries"],
  args: ["id"],
  reply: z.array(z.union([luaInt, luaStr])),
});

/** The retry records a conversation's hash names ('r:' fields). */
export const retryFieldsOf = (fields: Record<string, string> | undefined): string[] =>
  Object.keys(fields ?? {})
    .filter((f) => f.startsWith("r:"))
    .map((f) => f.slice(2));

/**
 * Deletes one of the caller's conversations with its history and its retry records. `known`
 * names the retry records the caller already read (the gate's look at the conversation): one
 * round trip, unless a turn added one meanwhile.
 */
export async function deleteConversation(
  client: RedisClient,
  mine: UserKeys,
  id: string,
  known: string[],
): Promise<boolean> {
  let fields = known;
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await deleteScript.withExtra(client, {
      keys: {
        conversation: mine.conversation(id),
        messages: mine.messages(id),
        conversations: mine.conversations,
        retries: mine.retries,
      },
      args: { id },
      extraKeys: fields.map((f) => mine.retry(f)),
      extraArgs: fields,
    });
    if (reply[0] !== 2) return reply[0] === 1;
    fields = reply.slice(1).map(String);
  }
  throw new Error("delete-conversation: retry records kept changing");
}
