/**
 * The pages as WeChat's component test tool draws them (miniprogram-simulate: WeChat's WXML
 * compiler, exparser, jsdom), against the dev stack (`npm run dev`, replies streamed in pieces
 * 40 ms apart). What is asserted is what a person would see: text read from the rendered DOM,
 * after typing and taps dispatched as events on the rendered elements. The framework's own
 * calls, onLoad(query) and onShow(), are made as it makes them.
 *
 * Each test is its own phone (its own WeChat user, the app launched afresh); the backend lets
 * each user send LIMIT chat messages a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_BASE_URL } from "../../miniprogram/config";
import type { chatPage } from "../../miniprogram/pages/chat/controller";
import { type conversationsPage, DELETE_QUESTION } from "../../miniprogram/pages/conversations/controller";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { all, eventually, screen, send, shows, textOf, titles } from "./support/screen";
import {
  type CompiledProject,
  compileProject,
  type InstalledDom,
  installDom,
  loadSimulate,
  renderPage,
  type SimComponent,
  type Simulate,
} from "./support/simulator";
import { installWx, type WxStandin } from "./support/wx";

type ChatPage = SimComponent<ReturnType<typeof chatPage>>;
type ListPage = SimComponent<ReturnType<typeof conversationsPage>>;

const LIMIT = 3;
const CHAT = "/api/chat/stream";
/** The cursor the chat page draws after a reply still arriving. */
const CURSOR = "▍";

let dom: InstalledDom;
let simulate: Simulate;
let project: CompiledProject;
let dev: DevStack;

beforeAll(async () => {
  dom = installDom();
  // Before the wx stand-in: loading the tool sets a mock wx of its own.
  simulate = loadSimulate();
  project = compileProject();
  dev = await startDevStack({ RATE_LIMIT_MAX: String(LIMIT) });
}, 60_000);
afterAll(async () => {
  await dev?.stop();
  project?.remove();
  dom?.remove();
});

/** A phone: its own wx (its own WeChat user, empty storage) and the app's modules loaded afresh. */
function newPhone(): WxStandin {
  const wx = installWx({ domains: { [API_BASE_URL]: dev.base } });
  project.relaunch();
  return wx;
}

/** Opens the chat page as the framework does: drawn, then onLoad with the URL's query. */
async function openChat(query: Record<string, string> = {}): Promise<ChatPage> {
  const page: ChatPage = renderPage(simulate, project, dom, "pages/chat/chat");
  await page.instance.onLoad(query);
  return page;
}

async function openList(): Promise<ListPage> {
  const page: ListPage = renderPage(simulate, project, dom, "pages/conversations/conversations");
  await page.instance.onShow();
  return page;
}

describe("the chat page, rendered", () => {
  it("shows a streamed reply growing on screen while it arrives, then whole", async () => {
    const wx = newPhone();
    const page = await openChat();
    expect(textOf(page.dom)).toContain("Ask the assistant anything.");

    // What the reply's bubble shows after each chunk off the network, and whether the response was still open.
    const seen: { text: string; open: boolean }[] = [];
    wx.afterChunk = () => {
      const bubbles = all(page.dom, "assistant").map((row) => textOf(row.querySelector('[class~="main--bubble"]')));
      const last = bubbles.at(-1);
      if (last !== undefined) seen.push({ text: last, open: wx.requestsTo(CHAT).at(-1)?.finished !== true });
    };
    const message = "Show me the reply as it is written, piece by piece, while it arrives";
    const reply = standinReply(message, 1);
    send(page, message);
    await shows(() => screen(page), [`user: ${message}`, `assistant: ${reply}`]);
    wx.afterChunk = undefined;

    // Between pieces: the reply so far with the cursor after it, growing, the response still open.
    const partial = [...new Set(seen.filter((s) => s.text.endsWith(CURSOR)).map((s) => s.text.slice(0, -1)))];
    expect(partial.filter((text) => text.length < reply.length).length).toBeGreaterThanOrEqual(3);
    for (const [i, text] of partial.entries()) {
      expect(reply.startsWith(text), `"${text}" is how the reply starts`).toBe(true);
      if (i > 0) expect(text.length).toBeGreaterThan(partial[i - 1]?.length ?? 0);
    }
    expect(seen.filter((s) => s.text.endsWith(CURSOR)).every((s) => s.open)).toBe(true);
    // Once done, the bubble holds the reply alone: no cursor.
    expect(all(page.dom, "cursor")).toHaveLength(0);
    await wx.settled();
    expect(wx.requestsTo(CHAT).map((r) => r.status)).toEqual([200]);
  });

  it("shows how long to wait when the backend refuses a message for the rate limit (429)", async () => {
    const wx = newPhone();
    const page = await openChat();
    const lines: string[] = [];
    for (let i = 1; i <= LIMIT; i++) {
      send(page, `Message ${i}`);
      lines.push(`user: Message ${i}`, `assistant: ${standinReply(`Message ${i}`, i)}`);
      await shows(() => screen(page), lines);
    }

    send(page, "One too many");
    const refused = await eventually("the refusal", () => {
      const r = wx.requestsTo(CHAT)[LIMIT];
      return r?.finished ? r : undefined;
    });
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers?.["retry-after"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    const named = wait < 60 ? `${wait} s` : "1 min";
    const said = `Too many requests. Please try again in ${named}.`;
    await shows(() => screen(page), [...lines, `user: One too many [${said}]`]);
    expect(wx.toasts.at(-1)).toBe(said);
  });
});

describe("the conversation list, rendered", () => {
  it("opens with the user's conversations, reopens one in the chat page, and deletes one", async () => {
    const wx = newPhone();
    const empty = await openList();
    expect(textOf(empty.dom)).toContain("No conversations yet.");

    for (const first of ["Alpha topic", "Beta topic"]) {
      const chat = await openChat();
      send(chat, first);
      await shows(() => screen(chat), [`user: ${first}`, `assistant: ${standinReply(first, 1)}`]);
    }

    const list = await openList();
    expect(titles(list)).toEqual(["Beta topic", "Alpha topic"]);
    for (const updated of all(list.dom, "updated")) expect(textOf(updated)).toMatch(/^(\d\d-\d\d )?\d\d:\d\d$/);

    // A tap on Alpha's row: the app relaunches into the chat page for it, which shows its history.
    list.querySelectorAll(".item")[1]?.dispatchEvent("tap");
    const url = await eventually("the chat page opened", () => wx.navigations.find((n) => n.startsWith("reLaunch")));
    const id = /^reLaunch \/pages\/chat\/chat\?conversation_id=([A-Za-z0-9_-]+)$/.exec(url)?.[1];
    expect(id, url).toBeDefined();
    const chat = await openChat({ conversation_id: id ?? "" });
    const alpha = ["user: Alpha topic", `assistant: ${standinReply("Alpha topic", 1)}`];
    expect(screen(chat)).toEqual(alpha);
    send(chat, "More on alpha");
    await shows(
      () => screen(chat),
      [...alpha, "user: More on alpha", `assistant: ${standinReply("More on alpha", 2)}`],
    );

    // Back on the list (shown again), the conversation just continued is on top.
    await list.instance.onShow();
    expect(titles(list)).toEqual(["Alpha topic", "Beta topic"]);

    // Beta's Delete button, confirmed: its row goes, and the tap did not open it.
    list.querySelectorAll(".delete")[1]?.dispatchEvent("tap");
    await shows(() => titles(list), ["Alpha topic"]);
    expect(wx.modals).toEqual([DELETE_QUESTION]);
    expect(wx.navigations.filter((n) => n.startsWith("reLaunch"))).toHaveLength(1);
    expect(wx.requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([204]);
    // Shown afresh, the server agrees.
    await list.instance.onShow();
    expect(titles(list)).toEqual(["Alpha topic"]);
  });
});
