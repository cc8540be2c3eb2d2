/**
 * Generated API Gateway events (FUZZ_RUNS in all, default 10,000, spread over the bundles)
 * straight into each built bundle's main_handler, against a real Redis and the stand-ins: it
 * never throws, always answers valid JSON (every 4xx/5xx with `error` and `code`) and never 500.
 * Replay a failure with the seed printed at the start: FUZZ_SEED=<seed> FUZZ_RUNS=<runs>.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionNames } from "../../scripts/build.js";
import { functions } from "../../shared/functions.js";
import { type RouteDef, routes } from "../../shared/routes.js";
import { ChatResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "../support/events.js";
import { JsonObject, parseAs } from "../support/json.js";
import { testRedisEnv } from "../support/stack.js";
import { CODE_MARKER, eventArbitrary, MESSAGE_MARKER } from "./support/arbitraries.js";
import {
  type BuiltHandler,
  type BuiltResponse,
  builtHandler,
  captureBundleLogs,
  requireHandler,
} from "./support/built.js";
import { type Stack, startStack } from "./support/env.js";
import { loginWith } from "./support/state.js";

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomBytes(4).readInt32LE(0);
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 10_000;
/** Bundles whose route is an event function (a Web function has no main_handler). */
const NAMES = functionNames().filter((n) => functions[n].routes.every((r) => !(routes[r] as RouteDef).stream));
const PER_BUNDLE = Math.ceil(RUNS / NAMES.length);

const logs = captureBundleLogs();
logs.forbidPattern(new RegExp(MESSAGE_MARKER));
logs.forbidPattern(new RegExp(CODE_MARKER));
let stack: Stack;
let login: BuiltHandler;
let chat: BuiltHandler;

beforeAll(async () => {
  console.log(
    `fuzz: seed ${SEED}, ${PER_BUNDLE} events for each of ${NAMES.join(", ")}; ` +
      `replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx vitest run test/reliability/fuzz.test.ts`,
  );
  stack = await startStack(testRedisEnv(), { OPENCLAW_TIMEOUT_MS: "2000" });
  logs.forbid(...stack.secrets);
  [login, chat] = await Promise.all([requireHandler("login"), requireHandler("chat")]);
});
afterAll(async () => {
  await stack.close();
});

/** The contract's promises about any response at all. */
function checkResponse(res: unknown): void {
  expect(res).toBeTypeOf("object");
  const r = res as BuiltResponse;
  expect(Number.isInteger(r.statusCode) && r.statusCode >= 200 && r.statusCode <= 599).toBe(true);
  expect(r.statusCode, r.body).not.toBe(500);
  expect(r.isBase64Encoded).toBe(false);
  expect(r.headers["X-Request-Id"]).toBeTypeOf("string");
  expect(r.body).toBeTypeOf("string");
  if (r.statusCode === 204) {
    expect(r.body).toBe("");
    return;
  }
  const body = parseAs(JsonObject, r.body);
  if (r.statusCode >= 400) {
    expect(body.error).toBeTypeOf("string");
    expect(String(body.error).length).toBeGreaterThan(0);
    expect(body.code).toBeTypeOf("string");
  }
}

describe("fuzzed API Gateway events into every built bundle", () => {
  for (const name of NAMES) {
    it(`${name}: never throws, answers JSON with error and code on failure, never 500`, {
      timeout: 180_000,
    }, async () => {
      const handler = await builtHandler(name);
      if (!handler) throw new Error(`${name} has no main_handler`);
      // A user of its own, with one conversation, so that valid sessions and ids reach deep.
      const token = await loginWith(login, `fuzz-${name}`);
      logs.forbid(token);
      const first = await chat(
        urlEvent({
          method: "POST",
          path: "/api/chat",
          headers: { "x-wx-session": token },
          body: { message: `${MESSAGE_MARKER}first` },
        }),
      );
      expect(first.statusCode, first.body).toBe(200);
      const conversationId = bodyAs(first, ChatResponse).conversation_id;
      if (name === "login") {
        // WeChat's session_key must go nowhere: make some of it known, to look for it in the logs.
        const sessionKey = randomBytes(16).toString("base64");
        logs.forbid(sessionKey);
        stack.wechat.queue(
          ...Array.from({ length: 50 }, (_, i) => ({
            raw: JSON.stringify({ openid: `ofuzz${i}`, session_key: sessionKey }),
          })),
        );
      }
      // A function serving several routes is fuzzed with events aimed at each of them.
      const events = fc.oneof(
        ...functions[name].routes.map((r) => eventArbitrary(routes[r], { token, conversationId })),
      );
      let statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(events, async (event) => {
          const res = await handler(event, { request_id: "fuzz", callbackWaitsForEmptyEventLoop: true });
          checkResponse(res);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }),
        { seed: SEED, numRuns: PER_BUNDLE },
      );
      statuses = new Map([...statuses].sort((a, b) => a[0] - b[0]));
      console.log(`fuzz ${name}: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}`);
      // The events must reach past routing: some answers beyond 404/405 and 400.
      expect([...statuses.keys()].some((s) => s !== 404 && s !== 405 && s !== 400)).toBe(true);
    });
  }
});
