/**
 * Redis killed, and Redis hung, in the middle of chat traffic against the built bundles. Every
 * request answers (503 while Redis is away) within about a second, the same loaded bundle
 * recovers when Redis is back, and nothing is left half-written. The server keeps its data on
 * disk (fsync on every write) so that what was written before the kill can be inspected after.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "../../scripts/redis-server.js";
import { bodyOf, urlEvent } from "../support/events.js";
import { type BuiltHandler, captureBundleLogs, requireHandler } from "./support/built.js";
import { type Stack, startStack } from "./support/env.js";
import { invariantViolations, loginWith } from "./support/state.js";

/** "Within about a second": the client's 700 ms command timeout plus scheduling slack. */
const ANSWER_WITHIN_MS = 1500;
const WORKERS = 4;

const logs = captureBundleLogs();
let server: RedisServer;
let stack: Stack;
let chat: BuiltHandler;
let login: BuiltHandler;
let inspect: Redis;

interface Outcome {
  startedAt: number;
  ms: number;
  status: number;
  code: unknown;
}

beforeAll(async () => {
  server = await RedisServer.start({ persistDir: mkdtempSync(path.join(tmpdir(), "wxclaw-aof-")) });
  stack = await startStack(server.url);
  logs.forbid(...stack.secrets);
  [chat, login] = await Promise.all([requireHandler("chat"), requireHandler("login")]);
  inspect = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  inspect.disconnect();
  await stack.close();
  await server.stop();
});

/** `WORKERS` users chatting back to back until `stop()`; every answer is recorded. */
function traffic(tokens: string[]) {
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const conversations = new Map<string, string>();
  const loops = tokens.map(async (token) => {
    while (running) {
      const message = `outage message ${++n} ${Math.random().toString(36).slice(2)}`;
      logs.forbid(message);
      const startedAt = performance.now();
      const res = await chat(
        urlEvent({
          method: "POST",
          path: "/api/chat",
          headers: { "x-wx-session": token },
          body: { message, conversation_id: conversations.get(token) ?? null },
        }),
      );
      const body = bodyOf(res);
      outcomes.push({ startedAt, ms: performance.now() - startedAt, status: res.statusCode, code: body.code });
      if (res.statusCode === 200) conversations.set(token, String(body.conversation_id));
      // A 503 comes back fast; pace the retries as a client would.
      if (res.statusCode !== 200) await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check() && performance.now() < deadline) await sleep(20);
}

describe("Redis going away under traffic (built chat bundle)", () => {
  it("killed: every request answers 503 within about a second, the same bundle recovers, nothing is half-written", async () => {
    const tokens = await Promise.all(Array.from({ length: WORKERS }, (_, i) => loginWith(login, `kill${i}`)));
    logs.forbid(...tokens);
    const run = traffic(tokens);
    await until(() => run.outcomes.filter((o) => o.status === 200).length >= 20, 5000);

    const killedAt = performance.now();
    await server.stop();
    await sleep(1500);
    const restartedAt = performance.now();
    await server.resume();
    // Back: the same tokens (persisted sessions) and the same loaded bundle must work again.
    await until(() => run.outcomes.filter((o) => o.startedAt > restartedAt && o.status === 200).length >= 20, 8000);
    await run.stop();

    const all = run.outcomes;
    expect(
      all.every((o) => o.status === 200 || o.status === 503),
      JSON.stringify(all.map((o) => o.status)),
    ).toBe(true);
    expect(Math.max(...all.map((o) => o.ms))).toBeLessThan(ANSWER_WITHIN_MS);
    const during = all.filter((o) => o.startedAt > killedAt + 50 && o.startedAt + o.ms < restartedAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((o) => o.status === 503 && o.code === "unavailable")).toBe(true);
    expect(all.filter((o) => o.startedAt > restartedAt && o.status === 200).length).toBeGreaterThanOrEqual(20);

    await inspect.connect();
    expect(await invariantViolations(inspect, stack.prefix)).toEqual([]);
    inspect.disconnect();
  });

  it("hung (process frozen, sockets open): every request answers 503 within about a second, then recovers", async () => {
    const tokens = await Promise.all(Array.from({ length: WORKERS }, (_, i) => loginWith(login, `hang${i}`)));
    logs.forbid(...tokens);
    const run = traffic(tokens);
    await until(() => run.outcomes.filter((o) => o.status === 200).length >= 20, 5000);

    const frozenAt = performance.now();
    server.freeze();
    await sleep(2000);
    const thawedAt = performance.now();
    server.thaw();
    await until(() => run.outcomes.filter((o) => o.startedAt > thawedAt && o.status === 200).length >= 20, 8000);
    await run.stop();

    const all = run.outcomes;
    expect(all.every((o) => o.status === 200 || o.status === 503)).toBe(true);
    expect(Math.max(...all.map((o) => o.ms))).toBeLessThan(ANSWER_WITHIN_MS);
    const during = all.filter((o) => o.startedAt > frozenAt + 50 && o.startedAt + o.ms < thawedAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((o) => o.status === 503)).toBe(true);
    expect(all.filter((o) => o.startedAt > thawedAt && o.status === 200).length).toBeGreaterThanOrEqual(20);

    const check = new Redis(server.url, { maxRetriesPerRequest: 1 });
    expect(await invariantViolations(check, stack.prefix)).toEqual([]);
    check.disconnect();
  });
});
