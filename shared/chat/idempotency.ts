/**
 * Retries of a chat request (`client_msg_id`, CONTRACT §7), in one place: the claim (made by
 * the gate script in the request's first round trip), its renewal while the turn runs, its
 * completion (with the turn record, in the second), its release when the turn fails, waiting
 * for a running turn, and the replay of a finished one.
 *
 * A claim lives CLAIM_TTL_MS and is renewed every RENEW_EVERY_MS while its turn runs, so an
 * instance that dies mid-turn frees the id within seconds. A finished turn's record keeps the
 * response RETRY_TTL_MS for replays. Duplicates of a running turn wait, up to WAITERS_ALLOWED
 * of them; the rest are told to come back (409 in_progress with Retry-After).
 */
import { createHash, randomBytes } from "node:crypto";
import * as z from "zod/mini";
import type { RetryClaim } from "../auth/gate.js";
import { ApiError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import type { UserKeys } from "../redis/keys.js";
import { defineScript, luaInt } from "../redis/script.js";
import releaseLua from "../redis/scripts/release-claim.lua";
import renewLua from "../redis/scripts/renew-claim.lua";
import { ChatResponse } from "../schemas.js";

/** How long a finished turn's response is kept for replays. */
export const RETRY_TTL_MS = 10 * 60_000;
/** A running turn's claim: short, so that a dead instance frees the id within seconds. */
export const CLAIM_TTL_MS = 6_000;
export const RENEW_EVERY_MS = 2_000;
/** Duplicates of one running turn that may wait for it (CONTRACT §7: at least 5, at most 25). */
export const WAITERS_ALLOWED = 10;
/** Waiters poll from this interval, growing by half each time, up to the cap. */
const POLL_FIRST_MS = 50;
const POLL_MAX_MS = 1_000;

/** What a retry id stands for: the same id must come with the same message and conversation. */
export function claimOf(
  request: { client_msg_id?: string | undefined; conversation_id?: string | null | undefined; message: string },
  options: { ttlMs?: number } = {},
): RetryClaim | null {
  if (!request.client_msg_id) return null;
  const fingerprint = createHash("sha256")
    .update(`${request.conversation_id ?? ""}\n${request.message}`)
    .digest("hex")
    .slice(0, 32);
  // Named by a hash: the id is the client's text, and key names should not carry it.
  const field = createHash("sha256").update(request.client_msg_id).digest("hex").slice(0, 32);
  return {
    field,
    fingerprint,
    owner: randomBytes(12).toString("hex"),
    ttlMs: options.ttlMs ?? CLAIM_TTL_MS,
    waitersAllowed: WAITERS_ALLOWED,
  };
}

/** The stored response of a finished turn, as answered again. */
export function replayOf(stored: string): ChatResponse {
  const parsed = z.safeParse(ChatResponse, JSON.parse(stored));
  if (!parsed.success) throw new Error("retry record: stored response does not parse");
  return parsed.data;
}

export const REPLAY_HEADERS = { "Idempotent-Replayed": "true" } as const;

/** 409 in_progress: the turn is still running and enough duplicates already wait for it. */
export function inProgress(claimTtlMs: number): ApiError {
  const retryAfterS = Math.min(60, Math.max(1, Math.ceil(claimTtlMs / 1000)));
  return new ApiError("in_progress", "This message is still being answered; retry shortly.", { retryAfterS });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The wait before a waiter's next look: growing by half each time, up to the cap. */
export const nextPollMs = (previous: number | undefined): number =>
  previous === undefined ? POLL_FIRST_MS : Math.min(POLL_MAX_MS, Math.ceil(previous * 1.5));

/**
 * Waits, with a growing interval, while the first request with this retry id runs: each look
 * is one read. Ends when its record is done (replay), gone (the turn failed or its instance
 * died: the caller asks the gate again, and may run the turn itself), or at the deadline.
 */
export async function waitForTurn(
  client: RedisClient,
  keys: UserKeys,
  claim: RetryClaim,
  deadline: number,
): Promise<"done" | "gone" | "timeout"> {
  let interval: number | undefined;
  while (Date.now() < deadline) {
    interval = nextPollMs(interval);
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
    const state = await client.hget(keys.retry(claim.field), "state");
    if (state === "done") return "done";
    if (state === null) return "gone";
  }
  return "timeout";
}

const renewScript = defineScript({
  name: "renew-claim",
  lua: renewLua,
  keys: ["retry", "retries"],
  args: ["owner", "ttlMs", "field"],
  reply: luaInt,
});

const releaseScript = defineScript({
  name: "release-claim",
  lua: releaseLua,
  keys: ["retry", "retries"],
  args: ["owner", "field"],
  reply: luaInt,
});

/** Renews the claim while the turn runs (one round trip each time); call the result to stop. */
export function keepClaim(
  client: RedisClient,
  keys: UserKeys,
  claim: RetryClaim,
  everyMs = RENEW_EVERY_MS,
): () => void {
  const renew = () =>
    renewScript(client, {
      keys: { retry: keys.retry(claim.field), retries: keys.retries },
      args: { owner: claim.owner, ttlMs: claim.ttlMs, field: claim.field },
    }).catch(() => 0);
  const timer = setInterval(renew, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** Frees the id after a failed turn, so that a retry runs again (one round trip). */
export async function releaseClaim(client: RedisClient, keys: UserKeys, claim: RetryClaim): Promise<boolean> {
  const released = await releaseScript(client, {
    keys: { retry: keys.retry(claim.field), retries: keys.retries },
    args: { owner: claim.owner, field: claim.field },
  });
  return released === 1;
}

/** What the turn record needs to complete the claim with the response. */
export function completionOf(claim: RetryClaim, response: ChatResponse) {
  return {
    field: claim.field,
    fingerprint: claim.fingerprint,
    response: JSON.stringify(response),
    ttlMs: RETRY_TTL_MS,
  };
}
