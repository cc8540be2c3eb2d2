/**
 * The chat page's behaviour, apart from the framework: chat.ts hands `chatPage(...)` to Page(),
 * and tests drive the same object with a stand-in Page. All state the view renders is in `data`
 * and changes only through setData, so what the tests read is what WXML shows.
 */
import type { ChatRequest, ChatResponse } from "../../../shared/schemas";
import { asClientError, MESSAGES } from "../../api/errors";
import { newClientMsgId } from "../../api/ids";

export interface ChatMessage {
  /** Unique within the page; also the element id scroll-into-view targets (must not start with a digit). */
  id: string;
  role: "user" | "assistant";
  text: string;
  /** A user message whose turn failed; `error` says why. (setData refuses undefined, hence "".) */
  failed: boolean;
  error: string;
}

export interface ChatPageData {
  messages: ChatMessage[];
  /** The input box. */
  draft: string;
  /** A turn is in flight: the send button shows its spinner and ignores taps. */
  sending: boolean;
  /** The conversation the next message continues; null starts a new one. */
  conversationId: string | null;
  /** The newest message's id, for scroll-into-view. */
  lastId: string;
}

/** The part of a page instance the controller uses. */
export interface ChatView {
  data: ChatPageData;
  setData(patch: Partial<ChatPageData>): void;
}

export interface ChatDeps {
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Tells the user what went wrong (wx.showToast in the app). */
  toast(text: string): void;
}

export function initialData(): ChatPageData {
  return { messages: [], draft: "", sending: false, conversationId: null, lastId: "" };
}

export class ChatController {
  /** Bumped by "new conversation": a reply to an abandoned conversation must not land in the new one. */
  private epoch = 0;
  private seq = 0;
  /** The turn that failed last: sending the same text again is a retry, with the same client_msg_id. */
  private failed?: { message: string; conversationId: string | null; clientMsgId: string };

  constructor(
    private readonly view: ChatView,
    private readonly deps: ChatDeps,
  ) {}

  input(text: string): void {
    this.view.setData({ draft: text });
  }

  async send(): Promise<void> {
    const { draft, sending, conversationId } = this.view.data;
    const message = draft.trim();
    if (message === "" || sending) return;
    const epoch = this.epoch;
    const retry = this.failed;
    const clientMsgId =
      retry && retry.message === message && retry.conversationId === conversationId
        ? retry.clientMsgId
        : newClientMsgId();
    this.failed = undefined;
    const mine = this.message("user", message);
    this.view.setData({ messages: [...this.view.data.messages, mine], draft: "", sending: true, lastId: mine.id });
    try {
      const res = await this.deps.chat({ message, conversation_id: conversationId, client_msg_id: clientMsgId });
      if (epoch !== this.epoch) return;
      const reply = this.message("assistant", res.reply);
      this.view.setData({
        messages: [...this.view.data.messages, reply],
        conversationId: res.conversation_id,
        sending: false,
        lastId: reply.id,
      });
    } catch (e) {
      if (epoch !== this.epoch) return;
      const err = asClientError(e);
      // The backend forgot the conversation (it expired) or it is not ours: the next message starts afresh.
      const expired = err.kind === "not_found";
      const text = expired ? MESSAGES.expired_conversation : err.message;
      if (err.kind === "unexpected") console.error("chat page: unexpected failure", err.cause);
      if (!expired) this.failed = { message, conversationId, clientMsgId };
      this.view.setData({
        messages: this.view.data.messages.map((m) => (m.id === mine.id ? { ...m, failed: true, error: text } : m)),
        sending: false,
        // Give the text back so one tap resends it, unless the user already typed something new.
        draft: this.view.data.draft === "" ? message : this.view.data.draft,
        ...(expired ? { conversationId: null } : {}),
      });
      this.deps.toast(text);
    }
  }

  newConversation(): void {
    this.epoch++;
    this.failed = undefined;
    this.view.setData({ messages: [], conversationId: null, sending: false, lastId: "" });
  }

  private message(role: ChatMessage["role"], text: string): ChatMessage {
    return { id: `m${++this.seq}`, role, text, failed: false, error: "" };
  }
}

/** The options object for Page(): data plus the handlers the WXML binds. */
export function chatPage(deps: ChatDeps) {
  // One controller per page instance (a page can be opened more than once on the stack).
  const controllers = new WeakMap<ChatView, ChatController>();
  const of = (view: ChatView): ChatController => {
    let c = controllers.get(view);
    if (!c) {
      c = new ChatController(view, deps);
      controllers.set(view, c);
    }
    return c;
  };
  return {
    data: initialData(),
    onInput(this: ChatView, e: WechatMiniprogram.Input): void {
      of(this).input(e.detail.value);
    },
    /** Bound to the send button and the keyboard's send key; returns the turn for tests to await. */
    onSend(this: ChatView): Promise<void> {
      return of(this).send();
    },
    onNewConversation(this: ChatView): void {
      of(this).newConversation();
    },
  };
}
