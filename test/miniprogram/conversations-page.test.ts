/**
 * The conversation list page and its way back into the chat page, as the framework runs them
 * (stand-in Component(), real HTTP to the dev stack): the list, newest first; a tap reopens a
 * conversation in the chat page, which loads its messages and continues it; delete, after
 * asking. One wx for the file: one phone, one user.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../miniprogram/api/client";
import { MESSAGES } from "../../miniprogram/api/errors";
import { API_BASE_URL, SESSION_STORAGE_KEY } from "../../miniprogram/config";
import { type ChatMessage, CONVERSATION_GONE, type chatPage } from "../../miniprogram/pages/chat/controller";
import {
  type ConversationsPageData,
  conversationsPage,
  DELETE_QUESTION,
  formatUpdated,
  type TapEvent,
  UNTITLED,
} from "../../miniprogram/pages/conversations/controller";
import { CONVERSATIONS_URL } from "../../miniprogram/pages/urls";
import { freePort } from "../../scripts/redis-server.js";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { capturePage, instantiate, type PageInstance } from "./support/page";
import { installWx, type WxStandin } from "./support/wx";

type ChatOptions = ReturnType<typeof chatPage>;
type ListOptions = ReturnType<typeof conversationsPage>;

let dev: DevStack;
let wx: WxStandin;
let chatOptions: ChatOptions;
let listOptions: ListOptions;

beforeAll(async () => {
  dev = await startDevStack();
  wx = installWx({ domains: { [API_BASE_URL]: dev.base } });
  chatOptions = await capturePage<ChatOptions>(() => import("../../miniprogram/pages/chat/chat"));
  listOptions = await capturePage<ListOptions>(() => import("../../miniprogram/pages/conversations/conversations"));
}, 40_000);
afterAll(async () => {
  await dev?.stop();
});

const tap = (id: string): TapEvent => ({ currentTarget: { dataset: { id } } });

/** A chat page on which `text` is typed and sent; resolves when the turn is over. */
function say(page: PageInstance<ChatOptions>, text: string): Promise<void> {
  page.onInput({ detail: { value: text } } as WechatMiniprogram.Input);
  return page.onSend();
}

const transcript = (messages: ChatMessage[]) => messages.map((m) => `${m.role}: ${m.text}`);
const titles = (data: ConversationsPageData) => data.conversations.map((c) => c.title);

/** Starts a conversation in a fresh chat page; resolves with its id. */
async function converse(first: string): Promise<string> {
  const chat = instantiate(chatOptions);
  await say(chat, first);
  expect(chat.data.conversationId).not.toBeNull();
  return chat.data.conversationId ?? "";
}

/** The list page, opened (onShow) and loaded. */
async function openList(): Promise<PageInstance<ListOptions>> {
  const list = instantiate(listOptions);
  await list.onShow();
  return list;
}

/** The chat page the framework opens for a reLaunch to `url`, with its query as onLoad gets it. */
async function relaunched(url: string | undefined): Promise<PageInstance<ChatOptions>> {
  const match = /^reLaunch (\/pages\/chat\/chat)(?:\?(.*))?$/.exec(url ?? "");
  expect(match, `a reLaunch of the chat page, got ${url}`).not.toBeNull();
  const query = Object.fromEntries(
    (match?.[2] ?? "")
      .split("&")
      .filter(Boolean)
      .map((kv) => kv.split("=")),
  );
  const chat = instantiate(chatOptions, query as Record<string, string>);
  await chat.loaded;
  return chat;
}

describe("the conversation list page", () => {
  it("lists the conversations newest first; a tap reopens one in the chat page, which continues it", async () => {
    const alpha = await converse("Alpha topic");
    await converse("Beta topic");
    await converse("Gamma topic");

    const list = await openList();
    expect(titles(list.data)).toEqual(["Gamma topic", "Beta topic", "Alpha topic"]);
    expect(list.data).toMatchObject({ loading: false, loaded: true, deleting: "" });
    for (const c of list.data.conversations) expect(c.updated).toMatch(/^(\d\d-\d\d )?\d\d:\d\d$/);

    list.onOpen(tap(alpha));
    const chat = await relaunched(wx.navigations.at(-1));
    expect(chat.data).toMatchObject({ conversationId: alpha, loading: false, sending: false });
    expect(transcript(chat.data.messages)).toEqual([
      "user: Alpha topic",
      `assistant: ${standinReply("Alpha topic", 1)}`,
    ]);
    expect(chat.data.lastId).toBe(chat.data.messages[1]?.id);

    await say(chat, "More on alpha");
    expect(chat.data.conversationId).toBe(alpha);
    expect(transcript(chat.data.messages).slice(2)).toEqual([
      "user: More on alpha",
      `assistant: ${standinReply("More on alpha", 2)}`,
    ]);

    // Back on the list, the conversation just continued is at the top.
    await list.onShow();
    expect(titles(list.data)).toEqual(["Alpha topic", "Gamma topic", "Beta topic"]);
  });

  it("deletes a conversation only once the user confirms, and it is gone from the list and the server", async () => {
    const doomed = await converse("Delete me");
    const list = await openList();
    expect(list.data.conversations[0]).toMatchObject({ id: doomed, title: "Delete me" });
    const before = list.data.conversations.length;

    wx.modalAnswer = false;
    await list.onDelete(tap(doomed));
    expect(wx.modals.at(-1)).toBe(DELETE_QUESTION);
    expect(list.data.conversations).toHaveLength(before);
    expect(wx.requests.filter((r) => r.method === "DELETE")).toHaveLength(0);

    wx.modalAnswer = true;
    await list.onDelete(tap(doomed));
    expect(list.data.conversations.map((c) => c.id)).not.toContain(doomed);
    expect(list.data.conversations).toHaveLength(before - 1);
    expect(list.data.deleting).toBe("");
    expect(wx.requests.filter((r) => r.method === "DELETE").map((r) => `${r.path} ${r.status}`)).toEqual([
      `/api/conversations/${doomed} 204`,
    ]);
    // Fetched afresh, the server agrees.
    expect((await openList()).data.conversations.map((c) => c.id)).not.toContain(doomed);

    // A chat page asked to open it (a stale list elsewhere) says it is gone and starts afresh.
    const toasts = wx.toasts.length;
    list.onOpen(tap(doomed));
    const chat = await relaunched(wx.navigations.at(-1));
    expect(chat.data).toMatchObject({ conversationId: null, loading: false, messages: [] });
    expect(wx.toasts.slice(toasts)).toEqual([CONVERSATION_GONE]);
    await say(chat, "Fresh");
    expect(transcript(chat.data.messages)).toEqual(["user: Fresh", `assistant: ${standinReply("Fresh", 1)}`]);
    expect(chat.data.conversationId).not.toBe(doomed);
  });

  it("starts a new conversation in the chat page, and the chat page's History button leads here", async () => {
    const list = await openList();
    list.onNewConversation();
    const chat = await relaunched(wx.navigations.at(-1));
    expect(chat.data).toMatchObject({ conversationId: null, messages: [] });
    chat.onOpenHistory();
    expect(wx.navigations.at(-1)).toBe(`navigateTo ${CONVERSATIONS_URL}`);
  });

  it("keeps what it listed and says why when it cannot fetch the list", async () => {
    await converse("Still listed");
    const list = await openList();
    const shown = titles(list.data);
    expect(shown.length).toBeGreaterThan(0);
    const toasts = wx.toasts.length;
    const up = wx.domains[API_BASE_URL] ?? "";
    wx.domains[API_BASE_URL] = `http://127.0.0.1:${await freePort()}`;
    try {
      await list.onShow();
    } finally {
      wx.domains[API_BASE_URL] = up;
    }
    expect(list.data).toMatchObject({ loading: false, loaded: true });
    expect(titles(list.data)).toEqual(shown);
    expect(wx.toasts.slice(toasts)).toEqual([MESSAGES.network]);
  });

  it("is empty for a user who has no conversations", async () => {
    // Another phone: its own wx, its own WeChat user and client.
    const other = installWx({ domains: { [API_BASE_URL]: dev.base } });
    try {
      const api = createApiClient({
        baseUrl: API_BASE_URL,
        chatTimeoutMs: 10_000,
        loginTimeoutMs: 10_000,
        storageKey: SESSION_STORAGE_KEY,
      });
      const list = instantiate(
        conversationsPage({
          listConversations: api.listConversations,
          deleteConversation: api.deleteConversation,
          confirm: async () => true,
          toast: () => undefined,
          openChat: () => undefined,
        }),
      );
      expect(list.data).toMatchObject({ loaded: false, conversations: [] });
      await list.onShow();
      expect(list.data).toMatchObject({ conversations: [], loaded: true, loading: false });
      expect(other.requestsTo("/api/conversations").map((r) => r.status)).toEqual([200]);
    } finally {
      wx.install();
    }
  });
});

describe("the list's times", () => {
  it("shows today's as the time, this year's with the date, older ones as the date", () => {
    const now = new Date(2026, 4, 20, 15, 30).getTime();
    expect(formatUpdated(new Date(2026, 4, 20, 9, 5).getTime(), now)).toBe("09:05");
    expect(formatUpdated(new Date(2026, 4, 19, 23, 59).getTime(), now)).toBe("05-19 23:59");
    expect(formatUpdated(new Date(2026, 0, 2, 8, 0).getTime(), now)).toBe("01-02 08:00");
    expect(formatUpdated(new Date(2025, 11, 31, 22, 0).getTime(), now)).toBe("2025-12-31");
  });

  it("names a conversation without a title (history off) with a placeholder", async () => {
    const list = instantiate(
      conversationsPage({
        listConversations: async () => [{ id: "c1", title: "  ", created_at: 1, updated_at: Date.now() }],
        deleteConversation: async () => undefined,
        confirm: async () => true,
        toast: () => undefined,
        openChat: () => undefined,
      }),
    );
    await list.onShow();
    expect(titles(list.data)).toEqual([UNTITLED]);
  });
});
