/**
 * The chat page as the framework runs it: its module is loaded with a stand-in Page() that
 * captures the options object, and each test drives an instance through its WXML handlers
 * (onInput, onSend, onNewConversation) against the dev stack, reading back `data`, which is
 * exactly what the WXML renders. One wx for the whole file: one phone, one app launch.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES } from "../../miniprogram/api/errors";
import { API_BASE_URL } from "../../miniprogram/config";
import { type ChatMessage, type chatPage, initialData } from "../../miniprogram/pages/chat/controller";
import { freePort } from "../../scripts/redis-server.js";
import type { ChatRequest } from "../../shared/schemas.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { conversationKeyOf, devRedis } from "./support/dev-redis";
import { capturePage, instantiate, type PageInstance } from "./support/page";
import { installWx, type RecordedRequest, type WxStandin } from "./support/wx";

type ChatPageOptions = ReturnType<typeof chatPage>;

let dev: DevStack;
let redis: Redis;
let wx: WxStandin;
let options: ChatPageOptions;

beforeAll(async () => {
  dev = await startDevStack();
  redis = devRedis(dev);
  wx = installWx({ domains: { [API_BASE_URL]: dev.base } });
  options = await capturePage<ChatPageOptions>(() => import("../../miniprogram/pages/chat/chat"));
}, 40_000);
afterAll(async () => {
  redis?.disconnect();
  await dev?.stop();
});

const target = { id: "", dataset: {}, offsetTop: 0, offsetLeft: 0 };
const inputEvent = (value: string): WechatMiniprogram.Input => ({
  type: "input",
  timeStamp: Date.now(),
  target,
  currentTarget: target,
  detail: { value, cursor: value.length },
});

/** Types `text` and taps Send; resolves when the turn is over. */
function say(page: PageInstance<ChatPageOptions>, text: string): Promise<void> {
  page.onInput(inputEvent(text));
  return page.onSend();
}

/** The conversation as a person reads it on screen. */
const transcript = (messages: ChatMessage[]) =>
  messages.map((m) => `${m.role}: ${m.text}${m.failed ? ` [failed: ${m.error}]` : ""}`);

const CONVERSATION_ID = /^[A-Za-z0-9_-]{22}$/;

const clientMsgId = (r: RecordedRequest) => (r.body as ChatRequest).client_msg_id;

describe("the chat page", () => {
  it("renders each turn: the message at once with the sending state, then the reply in the same conversation", async () => {
    const page = instantiate(options);
    expect(page.data).toEqual(initialData());
    const toastsBefore = wx.toasts.length;

    page.onInput(inputEvent("Hello"));
    expect(page.data.draft).toBe("Hello");
    const turn = page.onSend();
    // Before any answer: the message is shown, the input cleared, the button spinning.
    expect(transcript(page.data.messages)).toEqual(["user: Hello"]);
    expect(page.data).toMatchObject({ draft: "", sending: true, conversationId: null });
    await turn;
    expect(transcript(page.data.messages)).toEqual(["user: Hello", "assistant: (turn 1) You said: Hello"]);
    expect(page.data.sending).toBe(false);
    expect(page.data.conversationId).toMatch(CONVERSATION_ID);
    expect(page.data.lastId).toBe(page.data.messages[1]?.id);
    const conversation = page.data.conversationId;

    await say(page, "And again");
    expect(transcript(page.data.messages)).toEqual([
      "user: Hello",
      "assistant: (turn 1) You said: Hello",
      "user: And again",
      "assistant: (turn 2) You said: And again",
    ]);
    expect(page.data).toMatchObject({ conversationId: conversation, sending: false, draft: "" });
    expect(new Set(page.data.messages.map((m) => m.id)).size).toBe(4);

    page.onNewConversation();
    expect(page.data).toEqual(initialData());

    await say(page, "Fresh start");
    expect(transcript(page.data.messages)).toEqual(["user: Fresh start", "assistant: (turn 1) You said: Fresh start"]);
    expect(page.data.conversationId).toMatch(CONVERSATION_ID);
    expect(page.data.conversationId).not.toBe(conversation);
    expect(wx.toasts.length).toBe(toastsBefore);
  });

  it("ignores blank input, and a second send while a turn is in flight", async () => {
    const page = instantiate(options);
    const chats = wx.requestsTo("/api/chat").length;
    await say(page, "   ");
    expect(page.data.messages).toEqual([]);

    const first = say(page, "Only once");
    page.onInput(inputEvent("typed meanwhile"));
    await page.onSend();
    await first;
    expect(transcript(page.data.messages)).toEqual(["user: Only once", "assistant: (turn 1) You said: Only once"]);
    expect(page.data.draft).toBe("typed meanwhile");
    expect(wx.requestsTo("/api/chat").length).toBe(chats + 1);
  });

  it("drops a reply that arrives after the user started a new conversation", async () => {
    const page = instantiate(options);
    const late = say(page, "Old question");
    page.onNewConversation();
    expect(page.data).toMatchObject({ messages: [], sending: false, conversationId: null });
    await late;
    expect(page.data).toMatchObject({ messages: [], sending: false, conversationId: null });

    await say(page, "New question");
    expect(transcript(page.data.messages)).toEqual([
      "user: New question",
      "assistant: (turn 1) You said: New question",
    ]);
  });

  it("marks the failed message, gives the text back and toasts what happened when the server is unreachable", async () => {
    const page = instantiate(options);
    const up = wx.domains[API_BASE_URL] ?? "";
    wx.domains[API_BASE_URL] = `http://127.0.0.1:${await freePort()}`;
    try {
      await say(page, "Lost in transit");
    } finally {
      wx.domains[API_BASE_URL] = up;
    }
    expect(transcript(page.data.messages)).toEqual([`user: Lost in transit [failed: ${MESSAGES.network}]`]);
    expect(page.data).toMatchObject({ sending: false, draft: "Lost in transit", conversationId: null });
    expect(wx.toasts.at(-1)).toBe(MESSAGES.network);

    // One tap resends the text that was given back, as a retry of the same message.
    await page.onSend();
    expect(transcript(page.data.messages)).toEqual([
      `user: Lost in transit [failed: ${MESSAGES.network}]`,
      "user: Lost in transit",
      "assistant: (turn 1) You said: Lost in transit",
    ]);
    await say(page, "Something else");
    const [lost, resent, other] = wx.requestsTo("/api/chat").slice(-3).map(clientMsgId);
    expect(lost).toMatch(/^[0-9a-z]+-[0-9a-z]{8}$/);
    expect(resent).toBe(lost);
    expect(other).not.toBe(lost);
  });

  it("starts afresh when the backend has forgotten the conversation, and says so", async () => {
    const page = instantiate(options);
    await say(page, "Day one");
    const old = page.data.conversationId ?? "";
    expect(await redis.del(conversationKeyOf(old))).toBe(1);

    await say(page, "Day two");
    expect(page.data.messages.at(-1)).toMatchObject({
      text: "Day two",
      failed: true,
      error: MESSAGES.expired_conversation,
    });
    expect(page.data).toMatchObject({ conversationId: null, draft: "Day two", sending: false });
    expect(wx.toasts.at(-1)).toBe(MESSAGES.expired_conversation);

    await page.onSend();
    expect(page.data.messages.at(-1)?.text).toBe("(turn 1) You said: Day two");
    // A new conversation: the resend is a new message, not a retry of the refused one.
    const [refused, resent] = wx.requestsTo("/api/chat").slice(-2).map(clientMsgId);
    expect(resent).not.toBe(refused);
    expect(page.data.conversationId).toMatch(CONVERSATION_ID);
    expect(page.data.conversationId).not.toBe(old);
  });
});
