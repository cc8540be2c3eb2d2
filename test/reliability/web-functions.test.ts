/**
 * The built Web functions, started as SCF starts them (scf_bootstrap → server.js), against
 * clients that misbehave: nothing one connection does may take the process down or stop it
 * serving the others, and a client hanging up is logged as such, not as our error.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { ChatResponse } from "../../shared/schemas.js";
import { jsonOf } from "../support/json.js";
import { type LogLine, logLinesIn } from "../support/logs.js";
import { readEvents, streamedText } from "../support/sse.js";
import { setEnv, TEST_APPID, TEST_SECRET, uniquePrefix } from "../support/stack.js";
import { loginAs } from "../support/users.js";
import { startWebFunction, type WebFunction } from "../support/web-function.js";
import { abortUpload, sendRaw, trickle } from "./support/raw-http.js";

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let prefix = "";

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin({ streamDelayMs: 5 });
  prefix = uniquePrefix();
  setEnv({
    REDIS_URL: inject("redisUrl"),
    REDIS_MODE: inject("redisMode"),
    REDIS_KEY_PREFIX: prefix,
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
  });
});
afterAll(async () => {
  await Promise.all([wechat.close(), openclaw.close()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition that the server reaches on its own (bounded by the test's timeout). */
async function until(what: () => boolean): Promise<void> {
  while (!what()) await sleep(20);
}

/** The reply's text, whether it came as JSON or as server-sent `delta` events. */
async function replyText(res: Response): Promise<string> {
  if (res.headers.get("content-type")?.startsWith("application/json")) {
    return (await jsonOf(res, ChatResponse)).reply;
  }
  const events = await readEvents(res);
  expect(events.at(-1)?.event).toBe("done");
  return streamedText(events);
}

const lines = (web: WebFunction): LogLine[] => logLinesIn(web.logs());

describe.each(["chat-stream", "chat"])("dist/%s under misbehaving clients", (name) => {
  let web: WebFunction;
  const path = name === "chat" ? "/api/chat" : "/api/chat/stream";
  beforeAll(async () => {
    web = await startWebFunction(name, {
      REDIS_URL: inject("redisUrl"),
      REDIS_MODE: inject("redisMode"),
      REDIS_KEY_PREFIX: prefix,
      OPENCLAW_BASE_URL: openclaw.url,
    });
  });
  afterAll(() => {
    // No misbehaving client made the server log an error of its own.
    expect(lines(web).filter((l) => l.level === "error")).toEqual([]);
    web.close();
  });

  /** A whole chat turn by a fresh user: the process is up and serving. */
  const chatWorks = async () => {
    const token = await loginAs(`${name}-ok`);
    const res = await fetch(`${web.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": token },
      body: JSON.stringify({ message: "still there?", conversation_id: null }),
    });
    expect(res.status).toBe(200);
    expect(await replyText(res)).toBe(standinReply("still there?", 1));
    expect(web.exitCode()).toBeUndefined();
  };

  it("survives a client that drops the connection in the middle of its upload, and logs it as a hang-up", async () => {
    const token = await loginAs("uploader");
    const requestId = randomUUID();
    await abortUpload(web.url, path, { "x-wx-session": token, "x-scf-request-id": requestId }, 4000, 1000);
    await until(() => lines(web).some((l) => l.requestId === requestId));
    const line = lines(web).find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ level: "info", msg: "client hung up", fn: name, reason: expect.any(String) });
    await chatWorks();
  });

  it("survives a client that closes the connection while the reply is on its way", async () => {
    const token = await loginAs("leaver");
    const requestId = randomUUID();
    const calls = openclaw.calls.length;
    const abortedBefore = openclaw.aborted;
    // The JSON reply is held upstream until the client has gone; the stream is cut after its first piece.
    if (name === "chat") openclaw.queue({ delayMs: 400 });
    const client = new AbortController();
    const res = fetch(`${web.url}${path}`, {
      method: "POST",
      signal: client.signal,
      headers: { "content-type": "application/json", "x-wx-session": token, "x-scf-request-id": requestId },
      body: JSON.stringify({ message: `a long question ${"la ".repeat(200)}`, conversation_id: null }),
    });
    if (name === "chat") {
      await until(() => openclaw.calls.length > calls);
    } else {
      const reader = (await res).body?.getReader();
      expect((await reader?.read())?.value?.length).toBeGreaterThan(0);
    }
    client.abort();
    await expect(res.then((r) => r.text())).rejects.toThrow();
    await until(() => lines(web).some((l) => l.requestId === requestId && l.msg === "client hung up"));
    const mine = lines(web).filter((l) => l.requestId === requestId);
    expect(mine.every((l) => l.level === "info")).toBe(true);
    if (name === "chat-stream") {
      // The hang-up cancels the upstream call.
      await until(() => openclaw.aborted > abortedBefore);
    } else {
      // The turn itself was finished (and recorded) before the reply found no one to take it.
      expect(mine.some((l) => l.msg === "request" && l.status === 200)).toBe(true);
    }
    await chatWorks();
  });

  it("keeps serving while slow-loris clients trickle their headers and bodies", async () => {
    const token = await loginAs("loris");
    const slowHead = await Promise.all(
      Array.from({ length: 5 }, () =>
        trickle(web.url, `POST ${path} HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(500)}`, 30),
      ),
    );
    const body = JSON.stringify({ message: "slowly", conversation_id: null });
    const slowBody = await Promise.all(
      Array.from({ length: 5 }, () =>
        trickle(
          web.url,
          `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-wx-session: ${token}\r\n` +
            `content-length: ${body.length + 500}\r\n\r\n${body}`,
          30,
        ),
      ),
    );
    for (let i = 0; i < 3; i++) await chatWorks();
    for (const c of [...slowHead, ...slowBody]) c.stop();
  });

  it.each([
    ["garbage bytes", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n"],
    ["a non-numeric content-length", `POST ${"/api/chat"} HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n{}`],
    [
      "two different content-lengths",
      "POST /api/chat HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\n{}",
    ],
    [
      "content-length beside chunked encoding",
      "POST /api/chat HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n{}",
    ],
    [
      "a broken chunk size",
      "POST /api/chat HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    ["a header without a colon", "GET /api/health HTTP/1.1\r\nhost: x\r\nthis is not a header\r\n\r\n"],
    ["an unknown HTTP version", "GET /api/health HTTP/9.7\r\nhost: x\r\n\r\n"],
    ["headers over 16 KB", `GET /api/health HTTP/1.1\r\nhost: x\r\nx-big: ${"b".repeat(20_000)}\r\n\r\n`],
  ])("answers %s with a 4xx and keeps serving", async (_what, bytes) => {
    const reply = await sendRaw(web.url, Buffer.from(bytes, "latin1"));
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
    await chatWorks();
  });
});
