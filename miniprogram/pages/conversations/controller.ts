/**
 * The conversation list's behaviour, apart from the framework (conversations.ts hands
 * `conversationsPage(...)` to Component()): the caller's conversations, most recent first, each
 * reopened in the chat page with a tap or deleted after a confirmation.
 */
import type { ConversationSummary } from "../../../shared/schemas";
import { asClientError } from "../../api/errors";
import { chatUrl } from "../urls";

export interface ConversationItem {
  id: string;
  /** The first message's start; a placeholder when the backend keeps no text. */
  title: string;
  /** When the last turn was, as a person reads it. */
  updated: string;
}

export interface ConversationsPageData {
  conversations: ConversationItem[];
  /** The list is being fetched. */
  loading: boolean;
  /** A fetch has finished at least once (an empty list is only "empty" after that). */
  loaded: boolean;
  /** The conversation being deleted, "" when none: its row is dimmed and its button disabled. */
  deleting: string;
}

export interface ConversationsView {
  data: ConversationsPageData;
  setData(patch: Partial<ConversationsPageData>): void;
}

export interface ConversationsDeps {
  listConversations(): Promise<ConversationSummary[]>;
  deleteConversation(conversationId: string): Promise<void>;
  /** Asks before deleting (wx.showModal in the app); resolves true to go ahead. */
  confirm(text: string): Promise<boolean>;
  toast(text: string): void;
  /** Leaves the list for the chat page at `url` (wx.reLaunch in the app: the chat page starts afresh). */
  openChat(url: string): void;
  now?(): number;
}

/** A tap on a row or its button: WXML's `data-id` arrives as the dataset. */
export interface TapEvent {
  currentTarget: { dataset: Record<string, unknown> };
}

export const UNTITLED = "Untitled conversation";
export const DELETE_QUESTION = "Delete this conversation and its messages?";

const pad = (n: number) => String(n).padStart(2, "0");

/** Today: the time ("14:05"); this year: month, day and time ("03-07 14:05"); before: the date ("2025-12-31"). */
export function formatUpdated(at: number, now: number): string {
  const d = new Date(at);
  const today = new Date(now);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const date = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  if (d.getFullYear() !== today.getFullYear()) return `${d.getFullYear()}-${date}`;
  if (date !== `${pad(today.getMonth() + 1)}-${pad(today.getDate())}`) return `${date} ${time}`;
  return time;
}

export function initialData(): ConversationsPageData {
  return { conversations: [], loading: false, loaded: false, deleting: "" };
}

const idOf = (e: TapEvent): string | undefined => {
  const id = e.currentTarget.dataset.id;
  return typeof id === "string" && id !== "" ? id : undefined;
};

export class ConversationsController {
  /** Numbers each fetch: only the latest one's answer is shown. */
  private fetches = 0;

  constructor(
    private readonly view: ConversationsView,
    private readonly deps: ConversationsDeps,
  ) {}

  async refresh(): Promise<void> {
    const fetch = ++this.fetches;
    this.view.setData({ loading: true });
    try {
      const list = await this.deps.listConversations();
      if (fetch !== this.fetches) return;
      const now = (this.deps.now ?? Date.now)();
      this.view.setData({
        conversations: list.map((c) => ({
          id: c.id,
          title: c.title.trim() === "" ? UNTITLED : c.title,
          updated: formatUpdated(c.updated_at, now),
        })),
        loading: false,
        loaded: true,
      });
    } catch (e) {
      if (fetch !== this.fetches) return;
      // What was listed before stays; the toast says why it is not fresh.
      this.view.setData({ loading: false });
      this.deps.toast(asClientError(e).message);
    }
  }

  open(id: string): void {
    this.deps.openChat(chatUrl(id));
  }

  newConversation(): void {
    this.deps.openChat(chatUrl());
  }

  async remove(id: string): Promise<void> {
    if (this.view.data.deleting !== "") return;
    if (!(await this.deps.confirm(DELETE_QUESTION))) return;
    // A fetch that started before the delete must not bring the row back.
    this.fetches++;
    this.view.setData({ deleting: id, loading: false });
    try {
      await this.deps.deleteConversation(id);
      this.view.setData({ conversations: this.view.data.conversations.filter((c) => c.id !== id), deleting: "" });
    } catch (e) {
      this.view.setData({ deleting: "" });
      this.deps.toast(asClientError(e).message);
    }
  }
}

/**
 * The page's definition for Component(): its data, and in `methods` the page's lifecycle
 * (onShow) and the handlers the WXML binds, as WeChat wants of a page built with Component().
 */
export function conversationsPage(deps: ConversationsDeps) {
  const controllers = new WeakMap<ConversationsView, ConversationsController>();
  const of = (view: ConversationsView): ConversationsController => {
    let c = controllers.get(view);
    if (!c) {
      c = new ConversationsController(view, deps);
      controllers.set(view, c);
    }
    return c;
  };
  return {
    data: initialData(),
    methods: {
      /** Each time the list shows (first opened, or back from elsewhere), it is fetched afresh. */
      onShow(this: ConversationsView): Promise<void> {
        return of(this).refresh();
      },
      onOpen(this: ConversationsView, e: TapEvent): void {
        const id = idOf(e);
        if (id) of(this).open(id);
      },
      onDelete(this: ConversationsView, e: TapEvent): Promise<void> {
        const id = idOf(e);
        return id ? of(this).remove(id) : Promise.resolve();
      },
      onNewConversation(this: ConversationsView): void {
        of(this).newConversation();
      },
    },
  };
}
