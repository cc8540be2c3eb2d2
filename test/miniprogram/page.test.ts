/**
 * The chat page as the framework runs it: its module is loaded with a stand-in Component() that
 * captures the options object, and each test drives an instance through its WXML handlers
 * (onInput, onSend, onNewConversation, onOpenHistory) against the dev stack, reading back
 * `data`, which is exactly what the WXML renders. One wx for the whole file: one phone, one app
 * launch. The page streams replies as config.ts has it (STREAM_REPLIES); the whole-reply mode is
 * the same page given no chatStream.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES } from "../../miniprogram/api/errors";
import { API_BASE_URL, STREAM_REPLIES } from "../../miniprogram/config";
import { type ChatMessage, type ChatPageData, chatPage, initialData } from "../../miniprogram/pages/chat/controller";
import { CONVERSATIONS_URL } from "../../miniprogram/pages/urls";
import { freePort } from "../../scripts/redis-server.js";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { conversationKeyOf, devRedis } from "./support/dev-redis";
import { capturePage, instantiate, type PageInstance } from "./support/page";
import { chatRequestOf, installWx, type RecordedRequest, type WxStandin } from "./support/wx";

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

const clientMsgId = (r: RecordedRequest) => chatRequestOf(r).client_msg_id;

/** Where the page sends a turn. */
const CHAT = STREAM_REPLIES ? "/api/chat/stream" : "/api/chat";

/** Every state the page's data goes through from now on, one per setData. */
function watch(page: PageInstance<ChatPageOptions>): ChatPageData[] {
  const states: ChatPageData[] = [];
  const setData = page.setData;
  page.setData = (patch, callback) => {
    setData(patch, callback);
    states.push(structuredClone(page.data));
  };
  return states;
}

/** The dev OpenClaw stand-in's pieces of a reply: 8 characters each. */
const piecesOf = (reply: string) => reply.match(/.{1,8}/gsu) ?? [];

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
    const chats = wx.requestsTo(CHAT).length;
    await say(page, "   ");
    expect(page.data.messages).toEqual([]);

    const first = say(page, "Only once");
    page.onInput(inputEvent("typed meanwhile"));
    await page.onSend();
    await first;
    expect(transcript(page.data.messages)).toEqual(["user: Only once", "assistant: (turn 1) You said: Only once"]);
    expect(page.data.draft).toBe("typed meanwhile");
    expect(wx.requestsTo(CHAT).length).toBe(chats + 1);
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
    const [lost, resent, other] = wx.requestsTo(CHAT).slice(-3).map(clientMsgId);
    expect(lost).toMatch(/^[0-9a-z]+-[0-9a-z]{8}$/);
    expect(resent).toBe(lost);
    expect(other).not.toBe(lost);
  });

  it("streams the reply into the page: a growing message, one update per piece, final on done", async () => {
    expect(STREAM_REPLIES).toBe(true);
    const page = instantiate(options);
    await say(page, "Warm up");
    const states = watch(page);
    const updates = page.updates.length;

    await say(page, "Show me the reply as it is written");
    const reply = standinReply("Show me the reply as it is written", 2);
    const last = (d: ChatPageData) => d.messages[d.messages.length - 1];
    const growing = states.filter((d) => d.streamingId !== "");
    // One state per piece, each the reply so far, shown as still arriving while the turn is in flight.
    const pieces = piecesOf(reply);
    expect(pieces.length).toBeGreaterThan(2);
    expect(growing.map((d) => last(d)?.text)).toEqual(pieces.map((_, i) => pieces.slice(0, i + 1).join("")));
    for (const d of growing) {
      expect(last(d)).toMatchObject({ role: "assistant", streaming: true, failed: false });
      expect(d).toMatchObject({ sending: true, streamingId: last(d)?.id, lastId: last(d)?.id });
    }
    // After the first piece, an update carries only the message's text, not the whole list.
    const perPiece = page.updates.slice(updates).filter((u) => Object.keys(u).some((k) => k.endsWith("].text")));
    expect(perPiece.length).toBeGreaterThanOrEqual(pieces.length - 1);
    for (const u of perPiece.slice(0, pieces.length - 1))
      expect(Object.keys(u)).toEqual([expect.stringMatching(/^messages\[3\]\.text$/)]);

    expect(last(page.data)).toMatchObject({ role: "assistant", text: reply, streaming: false, failed: false });
    expect(page.data).toMatchObject({ sending: false, streamingId: "" });
    expect(transcript(page.data.messages)).toEqual([
      "user: Warm up",
      `assistant: ${standinReply("Warm up", 1)}`,
      "user: Show me the reply as it is written",
      `assistant: ${reply}`,
    ]);
  });

  it("shows the reply whole, from /api/chat, when replies do not stream", async () => {
    const { api } = await import("../../miniprogram/api/index");
    const whole = chatPage({
      chat: api.chat,
      loadMessages: api.loadMessages,
      toast: () => undefined,
      navigate: () => undefined,
    });
    const page = instantiate(whole);
    const states = watch(page);
    const sent = wx.requestsTo("/api/chat").length;
    await say(page, "All at once");
    await say(page, "And again");
    expect(transcript(page.data.messages)).toEqual([
      "user: All at once",
      `assistant: ${standinReply("All at once", 1)}`,
      "user: And again",
      `assistant: ${standinReply("And again", 2)}`,
    ]);
    expect(states.some((d) => d.streamingId !== "" || d.messages.some((m) => m.streaming))).toBe(false);
    expect(wx.requestsTo("/api/chat").length).toBe(sent + 2);
  });

  it("opens the conversation list from the History button", () => {
    const page = instantiate(options);
    page.onOpenHistory();
    expect(wx.navigations.at(-1)).toBe(`navigateTo ${CONVERSATIONS_URL}`);
  });

  it("starts afresh when the backend has forgotten the conversation, and says so", async () => {
    const page = instantiate(options);
    await say(page, "Day one");
    const old = page.data.conversationId ?? "";
    expect(await redis.del(await conversationKeyOf(redis, old))).toBe(1);

    await say(page, "Day two");
    expect(page.data.messages.at(-1)).toMatchObject({
      text: "Day two",
      failed: true,
      error: MESSAGES.expired_conversation,
    });
    expect(page.data).toMatchObject({ conversationId: null, draft: "Day two", sending: false });
    expect(wx.toasts.at(-1)).toBe(MESSAGES.expired_conversation);

    await page.onSend();
    expect(page.data.messages.at(-1)?.text).toBe(standinReply("Day two", 1));
    // A new conversation: the resend is a new message, not a retry of the refused one.
    const [refused, resent] = wx.requestsTo(CHAT).slice(-2).map(clientMsgId);
    expect(resent).not.toBe(refused);
    expect(page.data.conversationId).toMatch(CONVERSATION_ID);
    expect(page.data.conversationId).not.toBe(old);
  });
});
