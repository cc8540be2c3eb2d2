/**
 * Content checks that no cut can split: a flagged word placed across every place where text is
 * cut before it goes to msgSecCheck (the 2,500-unit piece of a message or JSON reply, the end of
 * a streamed segment, a surrogate pair at the cut) is still caught, and never reaches OpenClaw,
 * the client or the history. The WeChat stand-in flags a word only when one call's content holds
 * all of it, as a keyword check on each piece would.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request_handler } from "../../functions/chat-stream/index.js";
import { BLOCKED_REPLY_NOTICE } from "../../shared/chat/screen.js";
import { ErrorResponse } from "../../shared/schemas.js";
import { SEC_CHECK_MAX_CHARS } from "../../shared/wechat/sec-check.js";
import { chatOk, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyOf } from "../support/events.js";
import { jsonOf } from "../support/json.js";
import { forbidInLogs } from "../support/log-guard.js";
import { readEvents, streamedText } from "../support/sse.js";
import { storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const DEVIL = "😈DEVIL😈";
const stack = useChatStack(
  { WX_MSG_SEC_CHECK: "true", WX_MSG_SEC_CHECK_FAIL_OPEN: "false", MESSAGE_MAX_CHARS: "2000" },
  { wechat: { riskyWords: ["RISKY", "BADTAIL", "BAD!TAIL", DEVIL] } },
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

const codePoints = (s: string) => [...s].length;
/** True when a string holds no lone surrogate, i.e. no surrogate pair was cut. */
const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

async function streamChat(token: string, message: string) {
  forbidInLogs(message);
  return fetch(`${base}/api/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wx-session": token },
    body: JSON.stringify({ message }),
  });
}

async function streamedReply(token: string, message: string) {
  const events = await readEvents(await streamChat(token, message));
  expect(events.at(-1)?.event).toBe("done");
  return streamedText(events);
}

async function history() {
  return (await storedKeys(stack.redis, stack.prefix)).find((k) => k.key.endsWith(":messages"))?.dump ?? "";
}

/** The message: 600 "😀" lines, then a flagged word starting at UTF-16 unit 2,498. */
const seamMessage = `${"😀\n".repeat(600)}${"a".repeat(698)}RISKY`;

describe("content checks across cuts", () => {
  it("builds the reported message: under the length limit, with the word across the 2,500-unit cut", () => {
    expect(seamMessage.indexOf("RISKY")).toBe(2498);
    expect(codePoints(seamMessage)).toBe(1903);
    expect(seamMessage.indexOf("RISKY") + "RISKY".length).toBeGreaterThan(SEC_CHECK_MAX_CHARS);
  });

  it("refuses a message whose flagged word straddles the input seam (JSON endpoint)", async () => {
    const token = await loginAs("seam-in");
    const calls = stack.openclaw.calls.length;
    const before = stack.wechat.secChecks.length;
    const res = await postChat(token, { message: seamMessage });
    expect(res.statusCode, res.body).toBe(422);
    expect(bodyOf(res).code).toBe("content_blocked");
    expect(stack.openclaw.calls.length).toBe(calls);
    const checks = stack.wechat.secChecks.slice(before);
    for (const c of checks) expect(c.content.length).toBeLessThanOrEqual(SEC_CHECK_MAX_CHARS);
    expect(checks.some((c) => c.content.includes("RISKY"))).toBe(true);
  });

  it("refuses the same message on the streaming endpoint: nothing reaches OpenClaw, the client or the history", async () => {
    const token = await loginAs("seam-in-stream");
    const calls = stack.openclaw.calls.length;
    const res = await streamChat(token, seamMessage);
    expect(res.status).toBe(422);
    expect((await jsonOf(res, ErrorResponse)).code).toBe("content_blocked");
    expect(stack.openclaw.calls.length).toBe(calls);
    expect(await history()).not.toContain("RISKY");
  });

  it("replaces a JSON reply whose flagged word straddles the 2,500-unit reply seam", async () => {
    const token = await loginAs("seam-reply");
    stack.openclaw.queue({ reply: `${"b".repeat(SEC_CHECK_MAX_CHARS - 3)}BADTAIL and more` });
    const { body } = await chatOk(token, { message: "write a long answer" });
    expect(body.reply).toBe(BLOCKED_REPLY_NOTICE);
    expect(await history()).not.toContain("BADTAIL");
  });

  it("stops a streamed reply whose flagged word straddles a 400-unit segment cut, before any of the word is shown", async () => {
    const token = await loginAs("seam-seg");
    stack.openclaw.queue({ reply: `${"c".repeat(397)}BADTAIL ${"d".repeat(300)}` });
    const shown = await streamedReply(token, "a long streamed answer");
    expect(shown.endsWith(BLOCKED_REPLY_NOTICE)).toBe(true);
    // Only text checked with the word's whole span around it was released: no letter of it.
    expect(shown.slice(0, -BLOCKED_REPLY_NOTICE.length)).toMatch(/^c*$/);
    expect(await history()).not.toContain("BAD");
  });

  it("stops a streamed reply whose flagged word straddles a sentence end that closed a segment", async () => {
    const token = await loginAs("seam-sentence");
    stack.openclaw.queue({ reply: `${"e".repeat(30)} BAD!TAIL then the rest of the answer.` });
    const shown = await streamedReply(token, "short sentences please");
    expect(shown.endsWith(BLOCKED_REPLY_NOTICE)).toBe(true);
    expect(shown).not.toContain("BAD");
    expect(await history()).not.toContain("BAD!TAIL");
  });

  it("never cuts a surrogate pair at a seam, and still catches a word of emoji and letters across it", async () => {
    const token = await loginAs("seam-pair");
    // The flagged word's last emoji sits across the 2,500-unit cut, and the overlap's start
    // falls inside another pair: both must move to a pair's edge.
    const message = `xx${"😀".repeat(1245)}${DEVIL}`;
    expect(message.indexOf(DEVIL) + DEVIL.length).toBe(SEC_CHECK_MAX_CHARS + 1);
    expect(codePoints(message)).toBeLessThanOrEqual(2000);
    const before = stack.wechat.secChecks.length;
    const res = await postChat(token, { message });
    expect(res.statusCode, res.body).toBe(422);
    const checks = stack.wechat.secChecks.slice(before).map((c) => c.content);
    expect(checks.length).toBe(2);
    for (const c of checks) expect(wellFormed(c), "a checked piece starts or ends inside a surrogate pair").toBe(true);

    // The same word across a streamed segment cut, with pairs at the cut.
    stack.openclaw.queue({ reply: `yy${"😀".repeat(195)}${DEVIL} and on` });
    const shown = await streamedReply(token, "emoji please");
    expect(shown.endsWith(BLOCKED_REPLY_NOTICE)).toBe(true);
    expect(shown).not.toContain("DEVIL");
    for (const c of stack.wechat.secChecks.slice(before).map((x) => x.content)) expect(wellFormed(c)).toBe(true);
  });
});
