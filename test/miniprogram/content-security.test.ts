/**
 * WeChat's content check (WX_MSG_SEC_CHECK=true) as the Mini Program meets it, against the dev
 * stack whose WeChat stand-in judges any text containing "RISKY" risky: a refused message is a
 * clear toast on the chat page, and streamed replies still arrive, in checked segments.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientError, MESSAGES } from "../../miniprogram/api/errors";
import { chatPage } from "../../miniprogram/pages/chat/controller";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { instantiate } from "./support/page";
import { newPhone, type Phone } from "./support/phone";

let dev: DevStack;

beforeAll(async () => {
  dev = await startDevStack({ WX_MSG_SEC_CHECK: "true" });
}, 40_000);
afterAll(async () => {
  await dev?.stop();
});

const phone = (): Phone => newPhone(dev.base);

describe("the Mini Program with WeChat's content check on", () => {
  it("tells the user plainly that their message was refused, and gives it back to rephrase", async () => {
    const { api } = phone();
    const toasts: string[] = [];
    const page = instantiate(
      chatPage({
        chat: api.chat,
        chatStream: api.chatStream,
        loadMessages: api.loadMessages,
        toast: (t) => toasts.push(t),
        navigate: () => undefined,
      }),
    );
    page.onInput({ detail: { value: "something RISKY" } } as WechatMiniprogram.Input);
    await page.onSend();
    expect(page.data.messages).toMatchObject([
      { role: "user", text: "something RISKY", failed: true, error: MESSAGES.content_blocked },
    ]);
    expect(page.data).toMatchObject({ sending: false, draft: "something RISKY", conversationId: null });
    expect(toasts).toEqual([MESSAGES.content_blocked]);
  });

  it("names the refusal content_blocked, streamed or not", async () => {
    const { api } = phone();
    for (const call of [
      () => api.chat({ message: "RISKY words", conversation_id: null }),
      () => api.chatStream("RISKY words", null, { onDelta: () => undefined }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ kind: "content_blocked", status: 422, code: "content_blocked" });
    }
  });

  it("still streams a clean reply, released in checked segments", async () => {
    const { api } = phone();
    const message = "Tell me something nice. Then tell me more! And a little more, please?";
    const deltas: string[] = [];
    const res = await api.chatStream(message, null, { onDelta: (t) => deltas.push(t) });
    expect(res.reply).toBe(standinReply(message, 1));
    expect(deltas.join("")).toBe(res.reply);
    expect(deltas.length).toBeGreaterThan(1);
  });
});
