/**
 * The common path of an authenticated request in one Redis round trip, in the contract's order:
 * look the session up, replay or hold a retried request (idempotency), charge the caller's
 * counter, check the daily token quota, check that the conversation named is theirs, and claim
 * the retry id. Every key is the caller's (one hash slot), found from the token's user tag.
 */
import * as z from "zod/mini";
import { type LimitPolicy, type LimitState, limitState } from "../limit/headers.js";
import type { RedisClient } from "../redis/client.js";
import type { UserKeys } from "../redis/keys.js";
import { defineScript, luaInt, luaStr } from "../redis/script.js";
import counterLua from "../redis/scripts/counter.lua";
import gateLua from "../redis/scripts/gate.lua";
import type { SessionUser } from "./session.js";

const OUTCOMES = [
  "ok",
  "unauthorized",
  "rate_limited",
  "quota_exceeded",
  "not_found",
  "conflict",
  "replay",
  "pending",
  "in_progress",
] as const;
export type GateOutcome = (typeof OUTCOMES)[number];

const gateScript = defineScript({
  name: "gate",
  lua: `${counterLua}\n${gateLua}`,
  keys: ["session", "rate", "quota", "conversation", "retry", "retries"],
  args: [
    "windowMs",
    "limitMax",
    "quotaMax",
    "conversationNamed",
    "retryField",
    "fingerprint",
    "claimOwner",
    "claimTtlMs",
    "waitersAllowed",
  ],
  reply: z.tuple([z.enum(OUTCOMES), luaStr, luaStr, luaInt, luaInt, luaInt, luaInt], z.union([luaStr, luaInt])),
});

export interface RetryClaim {
  /** The retry record's field in the user's retry index (hash of the client's id). */
  field: string;
  fingerprint: string;
  /** Who claims it: only this request may renew, complete or release the claim. */
  owner: string;
  ttlMs: number;
  waitersAllowed: number;
}

export interface GateRequest {
  keys: UserKeys;
  tokenHash: string;
  uid: string;
  /** Charge the caller's chat counter under this policy. */
  limit?: LimitPolicy;
  /** The conversation the request names, which must be the caller's. */
  conversationId?: string;
  /** Daily token quota: today's counter key and the quota. */
  quota?: { key: string; max: number };
  /** Claim the request's retry id (client_msg_id). */
  retry?: RetryClaim;
}

export interface GateResult {
  outcome: GateOutcome;
  user?: SessionUser;
  limit?: LimitState;
  /** Tokens used today, when a quota was checked. */
  quotaUsed?: number;
  /** Redis's clock when the gate ran: a turn's start, for the erase marker. */
  startMs: number;
  /** The named conversation's fields, when it is the caller's. */
  owned?: Record<string, string>;
  /** The stored response of the first request with this retry id. */
  replay?: string;
  /** How long the running turn's claim has left (in_progress). */
  claimTtlMs?: number;
}

export async function passGate(client: RedisClient, req: GateRequest): Promise<GateResult> {
  const { keys } = req;
  const reply = await gateScript(client, {
    keys: {
      session: keys.session(req.tokenHash),
      rate: keys.rate,
      quota: req.quota?.key ?? keys.quota("00000000"),
      conversation: keys.conversation(req.conversationId ?? ""),
      retry: keys.retry(req.retry?.field ?? "0"),
      retries: keys.retries,
    },
    args: {
      windowMs: (req.limit?.windowS ?? 0) * 1000,
      limitMax: req.limit?.max ?? 0,
      quotaMax: req.quota?.max ?? 0,
      conversationNamed: req.conversationId ? "1" : "0",
      retryField: req.retry?.field ?? "",
      fingerprint: req.retry?.fingerprint ?? "",
      claimOwner: req.retry?.owner ?? "",
      claimTtlMs: req.retry?.ttlMs ?? 0,
      waitersAllowed: req.retry?.waitersAllowed ?? 0,
    },
  });
  const [outcome, openid, unionid, count, ttl, used, now, ...rest] = reply;
  if (outcome === "unauthorized") return { outcome, startMs: now };
  const user: SessionUser = { openid, uid: req.uid, tokenHash: req.tokenHash };
  if (unionid) user.unionid = unionid;
  const result: GateResult = { outcome, user, startMs: now };
  if (req.limit && count > 0) result.limit = limitState(req.limit, count, ttl);
  if (req.quota) result.quotaUsed = used;
  if (outcome === "replay") result.replay = String(rest[0] ?? "");
  if (outcome === "in_progress") result.claimTtlMs = Number(rest[0] ?? 0);
  if (req.conversationId && outcome === "ok") {
    const owned: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) owned[String(rest[i])] = String(rest[i + 1]);
    result.owned = owned;
  }
  return result;
}
