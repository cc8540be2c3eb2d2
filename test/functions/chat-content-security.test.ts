import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request_handler } from "../../functions/chat-stream/index.js";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { BLOCKED_REPLY_NOTICE } from "../../shared/chat/screen.js";
import { piecesOf, SEC_CHECK_OVERLAP } from "../../shared/wechat/sec-check.js";
import { chatOk, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyOf } from "../support/events.js";
import { forbidInLogs } from "../support/log-guard.js";
import { dataOf, readEvents } from "../support/sse.js";
import { setEnv, storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack(
  { WX_MSG_SEC_CHECK: "true", WX_MSG_SEC_CHECK_FAIL_OPEN: "false", MESSAGE_MAX_CHARS: "6000" },
  { wechat: { riskyWords: ["RISKY", "said: spicy", "BADTAIL"] } },
);

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => void request_handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const streamChat = (token: string, message: string) => {
  forbidInLogs(message);
  return fetch(`${base}/api/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wx-session": token },
    body: JSON.stringify({ message }),
  });
};

describe("content security (msgSecCheck v2)", () => {
  it("refuses a risky message with 422 content_blocked; nothing reaches OpenClaw or Redis", async () => {
    const token = await loginAs("csa");
    const calls = stack.openclaw.calls.length;
    const res = await postChat(token, { message: "something RISKY here" });
    expect(res.statusCode).toBe(422);
    expect(bodyOf(res).code).toBe("content_blocked");
    expect(stack.openclaw.calls.length).toBe(calls);
    expect((await storedKeys(stack.redis, stack.prefix)).filter((k) => k.key.includes(":conv:"))).toEqual([]);
  });

  it("checks message and reply as the user's, with version 2, and passes clean text through", async () => {
    const token = await loginAs("csb");
    const before = stack.wechat.secChecks.length;
    const { body } = await chatOk(token, { message: "a harmless question" });
    expect(body.reply).toBe(standinReply("a harmless question", 1));
    const checks = stack.wechat.secChecks.slice(before);
    expect(checks.map((c) => c.content)).toEqual(["a harmless question", body.reply]);
    for (const c of checks) expect(c).toMatchObject({ openid: stack.wechat.openidFor("csb:x"), version: 2, scene: 2 });
  });

  it("replaces a risky reply with a neutral notice, in the response and in history", async () => {
    const token = await loginAs("csc");
    const { body } = await chatOk(token, { message: "spicy" });
    expect(body.reply).toBe(BLOCKED_REPLY_NOTICE);
    const stored = (await storedKeys(stack.redis, stack.prefix)).find((k) => k.key.endsWith(":messages"));
    expect(stored?.dump).toContain(BLOCKED_REPLY_NOTICE);
    expect(stored?.dump).not.toContain("said: spicy");
  });

  it("checks long messages and replies in overlapping pieces of at most 2,500 characters", async () => {
    const token = await loginAs("csd");
    const long = "长".repeat(5000);
    const before = stack.wechat.secChecks.length;
    const { body } = await chatOk(token, { message: long });
    const checks = stack.wechat.secChecks.slice(before).map((c) => c.content);
    const messagePieces = piecesOf(long);
    const replyPieces = piecesOf(body.reply);
    // 5,000 units: pieces [0, 2500), [2436, 4936) and [4872, 5000), none over the limit.
    expect(messagePieces.length).toBe(3);
    expect(checks.sort()).toEqual([...messagePieces, ...replyPieces].sort());
    for (const c of checks) expect(c.length).toBeLessThanOrEqual(2500);
    for (const pieces of [messagePieces, replyPieces]) {
      for (const [i, piece] of pieces.slice(1).entries()) {
        expect((pieces[i] ?? "").slice(-SEC_CHECK_OVERLAP)).toBe(piece.slice(0, SEC_CHECK_OVERLAP));
      }
    }
  });

  it("caches the access token: concurrent cold callers fetch it once", async () => {
    const tokens = await Promise.all(["cse1", "cse2", "cse3", "cse4"].map((n) => loginAs(n)));
    const before = stack.wechat.tokenCalls;
    const results = await Promise.all(tokens.map((t, i) => postChat(t, { message: `parallel ${i}` })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(stack.wechat.tokenCalls - before).toBe(1);
    await chatOk(tokens[0] ?? "", { message: "warm" });
    expect(stack.wechat.tokenCalls - before).toBe(1);
  });

  it("refreshes a token WeChat calls invalid (40001) once, and goes on", async () => {
    const token = await loginAs("csf");
    await chatOk(token, { message: "warm the token" });
    const before = stack.wechat.tokenCalls;
    stack.wechat.revokeToken();
    await chatOk(token, { message: "after revocation" });
    expect(stack.wechat.tokenCalls - before).toBe(1);
  });

  it("fails closed with 503 when WeChat's check is down, or open when told to", async () => {
    const token = await loginAs("csg");
    stack.wechat.queueSecCheck({ raw: "bad gateway", status: 502 });
    const calls = stack.openclaw.calls.length;
    const closed = await postChat(token, { message: "while WeChat is down" });
    expect(closed.statusCode).toBe(503);
    expect(stack.openclaw.calls.length).toBe(calls);

    setEnv({ WX_MSG_SEC_CHECK_FAIL_OPEN: "true" });
    stack.wechat.queueSecCheck({ raw: "bad gateway", status: 502 });
    expect((await postChat(token, { message: "fail open please" })).statusCode).toBe(200);
  });

  it("answers 503 when the check is on but WeChat's credentials are missing", async () => {
    const token = await loginAs("csh");
    setEnv({ WX_APPID: undefined });
    expect((await postChat(token, { message: "no appid" })).statusCode).toBe(503);
  });

  it("releases streamed text only in checked segments, and stops at a risky one", async () => {
    const token = await loginAs("csi");
    const clean = "A fine sentence that goes on for a while. ".repeat(6);
    stack.openclaw.queue({
      reply: `First sentence is fine. Second one too! ${clean}Then BADTAIL arrives. More after.`,
    });
    const events = await readEvents(await streamChat(token, "tell me something"));
    const deltas = dataOf(events, "delta").map((d) => d.text);
    expect(events.at(-1)?.event).toBe("done");
    expect(deltas.at(-1)).toBe(BLOCKED_REPLY_NOTICE);
    const shown = deltas.join("");
    expect(shown).not.toContain("BAD");
    expect(shown.startsWith("First sentence is fine. Second one too!")).toBe(true);
    // Every released piece of text (but the notice) was checked before it was sent, together
    // with what follows it.
    const checked = stack.wechat.secChecks.map((c) => c.content);
    for (const d of deltas.slice(0, -1)) {
      expect(checked.some((c) => c.includes(d) && c.length >= d.length + SEC_CHECK_OVERLAP)).toBe(true);
    }
  });
});
