import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { request_handler } from "../../functions/chat-stream/index.js";
import { main_handler as messages } from "../../functions/conversations/index.js";
import { main_handler as eraseMe } from "../../functions/me/index.js";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { ErrorResponse, MessagesResponse } from "../../shared/schemas.js";
import { bodyAs, bodyOf, urlEvent } from "../support/events.js";
import { jsonOf } from "../support/json.js";
import { forbidInLogs } from "../support/log-guard.js";
import { doneOf, readEvents, streamedText } from "../support/sse.js";
import { setEnv, TEST_APPID, TEST_OPENCLAW_TOKEN, TEST_SECRET, testRedisEnv, uniquePrefix } from "../support/stack.js";
import { loginAs } from "../support/users.js";

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let server: Server;
let base = "";

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin({ token: TEST_OPENCLAW_TOKEN, streamDelayMs: 15 });
  // The Web function's own request handler behind a real HTTP server, as server.ts runs it.
  server = createServer((req, res) => void request_handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await Promise.all([wechat.close(), openclaw.close()]);
});
beforeEach(() => {
  setEnv({
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: uniquePrefix(),
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
    OPENCLAW_BASE_URL: openclaw.url,
    OPENCLAW_TOKEN: TEST_OPENCLAW_TOKEN,
    OPENCLAW_TIMEOUT_MS: "3000",
    RATE_LIMIT_MAX: "20",
    HISTORY_ENABLED: "true",
  });
});

function stream(token: string | undefined, body: unknown, signal?: AbortSignal) {
  if (typeof body === "object" && body && "message" in body) forbidInLogs(String(body.message));
  return fetch(`${base}/api/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-wx-session": token } : {}) },
    body: JSON.stringify(body),
    signal,
  });
}

async function history(token: string, id: string) {
  const res = await messages(
    urlEvent({ path: `/api/conversations/${id}/messages`, headers: { "x-wx-session": token } }),
  );
  return bodyAs(res, MessagesResponse).messages;
}

describe("POST /api/chat/stream", () => {
  it("answers with the platform's x-scf-request-id as X-Request-Id, on errors and streams alike", async () => {
    const refused = await fetch(`${base}/api/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-scf-request-id": "scf-web-7" },
      body: "{}",
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-request-id")).toBe("scf-web-7");
    const token = await loginAs("rid");
    const ok = await fetch(`${base}/api/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": token, "x-scf-request-id": "scf-web-8" },
      body: JSON.stringify({ message: "request id please", conversation_id: null }),
    });
    forbidInLogs("request id please");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toBe("scf-web-8");
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
    await ok.text();
  });

  it("streams the reply in pieces, then done with the conversation and token usage", async () => {
    const token = await loginAs("ada");
    const res = await stream(token, { message: "Tell me a long enough story", conversation_id: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("ratelimit-remaining")).toBe("19");
    const events = await readEvents(res);
    const deltas = events.filter((e) => e.event === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    const text = streamedText(events);
    expect(text).toBe(standinReply("Tell me a long enough story", 1));
    const done = events.at(-1);
    expect(done?.event).toBe("done");
    expect(done?.data).toEqual({
      conversation_id: expect.stringMatching(/^[\w-]{22}$/),
      tokens_used: expect.any(Number),
    });
    expect(doneOf(events).tokens_used).toBeGreaterThan(0);
    expect(openclaw.calls.at(-1)).toMatchObject({
      stream: true,
      fields: ["messages", "model", "stream", "stream_options", "user"],
    });
    // The first piece arrives well before the end.
    expect(deltas[0]?.at ?? 0).toBeLessThan((done?.at ?? 0) - 30);
  });

  it("continues a conversation and records each completed turn", async () => {
    const token = await loginAs("ada");
    const first = await readEvents(await stream(token, { message: "one", conversation_id: null }));
    const id = doneOf(first).conversation_id;
    const second = await readEvents(await stream(token, { message: "two", conversation_id: id }));
    expect(second.at(-1)?.data).toMatchObject({ conversation_id: id });
    expect(await history(token, id)).toEqual([
      { role: "user", content: "one", at: expect.any(Number) },
      { role: "assistant", content: standinReply("one", 1), at: expect.any(Number) },
      { role: "user", content: "two", at: expect.any(Number) },
      { role: "assistant", content: standinReply("two", 2), at: expect.any(Number) },
    ]);
  });

  it("reports 0 tokens when the stream carries no usage", async () => {
    const token = await loginAs("bo");
    openclaw.queue({ noUsage: true });
    const events = await readEvents(await stream(token, { message: "no usage", conversation_id: null }));
    expect(events.at(-1)).toMatchObject({ event: "done", data: { tokens_used: 0 } });
  });

  it("turns a failure after the stream started into an error event, and records nothing", async () => {
    const token = await loginAs("cy");
    const first = await readEvents(await stream(token, { message: "first turn", conversation_id: null }));
    const id = doneOf(first).conversation_id;
    openclaw.queue({ failAfterDeltas: 2 });
    const events = await readEvents(await stream(token, { message: "this one breaks", conversation_id: id }));
    expect(events.filter((e) => e.event === "delta")).toHaveLength(2);
    expect(events.at(-1)).toEqual({
      event: "error",
      data: { error: expect.any(String), code: "upstream_error" },
      at: expect.any(Number),
    });
    expect((await history(token, id)).map((m) => m.content)).toEqual(["first turn", standinReply("first turn", 1)]);
  });

  it("answers errors before the stream starts as plain JSON with their status", async () => {
    expect((await stream(undefined, { message: "x" })).status).toBe(401);
    const token = await loginAs("dee");
    const bad = await stream(token, { message: "" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/json");
    expect((await jsonOf(bad, ErrorResponse)).code).toBe("invalid_request");
    expect((await stream(token, { message: "x", conversation_id: "A".repeat(22) })).status).toBe(404);
    openclaw.queue({ status: 401, error: { message: "Unauthorized", type: "unauthorized" } });
    const refused = await stream(token, { message: "upstream says no" });
    expect(refused.status).toBe(502);
    expect(await refused.json()).toEqual({ error: expect.any(String), code: "upstream_error" });
    setEnv({ RATE_LIMIT_MAX: "1" });
    const other = await loginAs("eve");
    await readEvents(await stream(other, { message: "first" }));
    const limited = await stream(other, { message: "second" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("cancels the upstream call when the client goes away", async () => {
    const token = await loginAs("fay");
    const abortedBefore = openclaw.aborted;
    const controller = new AbortController();
    const res = await stream(
      token,
      { message: "a reply long enough to be cut off halfway through", conversation_id: null },
      controller.signal,
    );
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    const deadline = Date.now() + 2000;
    while (openclaw.aborted === abortedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(openclaw.aborted).toBe(abortedBefore + 1);
  });

  it("ends a stream that was running during an erase in done, and records none of it", async () => {
    const token = await loginAs("erf");
    const other = await loginAs("erf");
    openclaw.queue({ delayMs: 300 });
    const calls = openclaw.calls.length;
    const res = await stream(token, { message: "streamed while erased", conversation_id: null, client_msg_id: "s-1" });
    expect(res.status).toBe(200);
    await expect.poll(() => openclaw.calls.length).toBe(calls + 1);
    const erased = await eraseMe(urlEvent({ method: "DELETE", path: "/api/me", headers: { "x-wx-session": other } }));
    expect(erased.statusCode).toBe(204);
    const events = await readEvents(res);
    expect(events.at(-1)?.event).toBe("done");

    const fresh = await loginAs("erf");
    const list = await messages(urlEvent({ path: "/api/conversations", headers: { "x-wx-session": fresh } }));
    expect(bodyOf(list).conversations).toEqual([]);
    const again = await stream(fresh, {
      message: "streamed while erased",
      conversation_id: null,
      client_msg_id: "s-1",
    });
    expect((await readEvents(again)).at(-1)?.event).toBe("done");
    // Answered afresh by OpenClaw, not replayed from a record the erase should have removed.
    expect(openclaw.calls.length).toBe(calls + 2);
  });
});
