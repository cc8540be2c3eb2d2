/**
 * Erasing a user (PIPL: a user may demand deletion of their personal information, CONTRACT §7):
 * every session, conversation, stored turn, retry record and index, found from the key space's
 * own table (shared/redis/keys.ts USER_KEY_KINDS). Only the chat rate-limit counter, the daily
 * quota counter and the erase marker stay: integers that expire on their own.
 *
 * Two round trips, both on the user's one slot: the first sets the erase marker (so that a turn
 * already running records nothing) and reads the indexes; the second deletes what they name,
 * provided they have not changed meanwhile (else it reads again).
 */
import * as z from "zod/mini";
import type { RedisClient } from "../redis/client.js";
import { USER_KEY_KINDS, type UserIndex, type UserKeyKind, type UserKeys } from "../redis/keys.js";
import { defineScript, luaInt, luaStr } from "../redis/script.js";
import eraseLua from "../redis/scripts/erase.lua";
import markLua from "../redis/scripts/erase-mark.lua";

/**
 * Longer than any turn can run (OPENCLAW_TIMEOUT_MS is at most 900 s), so that a turn that
 * started before the erase finds the marker when it tries to record.
 */
export const ERASE_MARKER_TTL_MS = 16 * 60_000;
const ATTEMPTS = 5;

const markScript = defineScript({
  name: "erase-mark",
  lua: markLua,
  keys: ["erased", "sessions", "conversations", "retries"],
  args: ["ttlMs"],
  reply: z.tuple([z.array(luaStr), z.array(luaStr), z.array(luaStr)]),
});

const eraseScript = defineScript({
  name: "erase",
  lua: eraseLua,
  keys: ["sessions", "conversations", "retries"],
  args: ["sessionCount", "conversationCount", "retryCount"],
  reply: luaInt,
});

/** Every key of the user that an erase deletes, given the members of their indexes. */
export function erasableKeys(mine: UserKeys, members: Record<UserIndex, readonly string[]>): string[] {
  const one: Record<UserKeyKind, (member: string) => string> = {
    session: (h) => mine.session(h),
    sessions: () => mine.sessions,
    conversation: (id) => mine.conversation(id),
    messages: (id) => mine.messages(id),
    conversations: () => mine.conversations,
    retry: (field) => mine.retry(field),
    retries: () => mine.retries,
    rate: () => mine.rate,
    quota: (day) => mine.quota(day),
    erased: () => mine.erased,
  };
  const keys: string[] = [];
  for (const [kind, { erase }] of Object.entries(USER_KEY_KINDS) as Array<
    [UserKeyKind, (typeof USER_KEY_KINDS)[UserKeyKind]]
  >) {
    if (erase === "kept") continue;
    if (erase === "single") keys.push(one[kind](""));
    else for (const member of members[erase]) keys.push(one[kind](member));
  }
  return keys;
}

/** Deletes everything we hold about the user but the two abuse counters (two round trips). */
export async function eraseUser(client: RedisClient, mine: UserKeys): Promise<void> {
  const indexes = { sessions: mine.sessions, conversations: mine.conversations, retries: mine.retries };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [sessions, conversations, retries] = await markScript(client, {
      keys: { erased: mine.erased, ...indexes },
      args: { ttlMs: ERASE_MARKER_TTL_MS },
    });
    const members = { sessions, conversations, retries };
    const erased = await eraseScript.withExtra(client, {
      keys: indexes,
      args: { sessionCount: sessions.length, conversationCount: conversations.length, retryCount: retries.length },
      extraKeys: erasableKeys(mine, members),
      extraArgs: [...sessions, ...conversations, ...retries],
    });
    if (erased === 1) return;
  }
  throw new Error("erase: the user's indexes kept changing");
}
