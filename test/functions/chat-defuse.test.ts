/**
 * Defusing changes only what OpenClaw receives: the length limit, the content check, the retry
 * fingerprint and the history all see the message as the user typed it, so a message within
 * the limit stays within it however much defusing adds.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { StoredMessage } from "../../shared/schemas.js";
import { chatOk, messagesSent, postChat, useChatStack } from "../support/chat-stack.js";
import { bodyOf } from "../support/events.js";
import { parseAs } from "../support/json.js";
import { storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack({ MESSAGE_MAX_CHARS: "2000", WX_MSG_SEC_CHECK: "true" });

const codePoints = (s: string) => [...s].length;
/** 1,000 skill references: 2,000 code points typed, 3,000 once each gets its word joiner. */
const references = "$a".repeat(1000);

describe("defusing and the limits", () => {
  it("accepts a message of exactly MESSAGE_MAX_CHARS that defusing lengthens, and keeps it as typed", async () => {
    const token = await loginAs("defuse-max");
    const checks = stack.wechat.secChecks.length;
    const calls = stack.openclaw.calls.length;
    const { body } = await chatOk(token, { message: references, client_msg_id: "defuse-max-1" });

    const sent = messagesSent(stack.openclaw.calls[calls])[0]?.content ?? "";
    expect(codePoints(references)).toBe(2000);
    expect(codePoints(sent)).toBe(3000);
    expect(sent.replaceAll("\u2060", "")).toBe(references);
    // WeChat judged what the user typed.
    expect(stack.wechat.secChecks[checks]?.content).toBe(references);
    const history = (await storedKeys(stack.redis, stack.prefix)).find((k) => k.key.endsWith(":messages"));
    const entries = parseAs(z.array(z.string()), history?.dump ?? "[]").map((e) => parseAs(StoredMessage, e));
    expect(entries.find((e) => e.role === "user")).toMatchObject({ content: references });

    // A retry of the same typed message is the same turn.
    const again = await postChat(token, { message: references, client_msg_id: "defuse-max-1" });
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again).conversation_id).toBe(body.conversation_id);
    expect(stack.openclaw.calls.length).toBe(calls + 1);
  });

  it("refuses one code point more, counted on what the user typed", async () => {
    const token = await loginAs("defuse-over");
    const calls = stack.openclaw.calls.length;
    const res = await postChat(token, { message: `${references}!` });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).code).toBe("invalid_request");
    expect(stack.openclaw.calls.length).toBe(calls);
  });
});
