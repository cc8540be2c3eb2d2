/**
 * The chat page's behaviour, apart from the framework: chat.ts hands `chatPage(...)` to
 * Component(), and tests drive the same definition, rendered or with a stand-in. All state the view renders is in `data`
 * and changes only through setData, so what the tests read is what WXML shows.
 */
import type { ChatRequest, ChatResponse, StoredMessage } from "../../../shared/schemas";
import type { ChatStream } from "../../api/chat-stream";
import { asClientError, type ClientError, MESSAGES } from "../../api/errors";
import { newClientMsgId } from "../../api/ids";
import { CONVERSATIONS_URL } from "../urls";

export interface ChatMessage {
  /** Unique within the page; also the element id scroll-into-view targets (must not start with a digit). */
  id: string;
  role: "user" | "assistant";
  text: string;
  /** A turn that failed here; `error` says why. (setData refuses undefined, hence "".) */
  failed: boolean;
  error: string;
  /** An assistant reply still arriving: its text grows until the stream's `done`. */
  streaming: boolean;
}

export interface ChatPageData {
  messages: ChatMessage[];
  /** The input box. */
  draft: string;
  /** A turn is in flight: the send button shows its spinner and ignores taps. */
  sending: boolean;
  /** The reply growing right now, "" when none (until its first piece, a placeholder shows). */
  streamingId: string;
  /** The conversation the next message continues; null starts a new one. */
  conversationId: string | null;
  /** The newest message's id, for scroll-into-view. */
  lastId: string;
  /** A conversation's history is being loaded. */
  loading: boolean;
}

/**
 * A setData argument: top-level fields, or one message by path ("messages[3].text"), which sends
 * only that piece to the view instead of the whole list, as WeChat advises for frequent updates.
 */
export type ChatPatch = Partial<ChatPageData> & { [path: `messages[${number}]${string}`]: unknown };

/** The part of a page instance the controller uses. */
export interface ChatView {
  data: ChatPageData;
  setData(patch: ChatPatch): void;
}

export interface ChatDeps {
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Present: replies stream in and grow on screen (config STREAM_REPLIES). Absent: they arrive whole. */
  chatStream?: ChatStream;
  loadMessages(conversationId: string): Promise<StoredMessage[]>;
  /** Tells the user what went wrong (wx.showToast in the app). */
  toast(text: string): void;
  /** Opens another page on top of this one (wx.navigateTo in the app). */
  navigate(url: string): void;
}

export function initialData(): ChatPageData {
  return {
    messages: [],
    draft: "",
    sending: false,
    streamingId: "",
    conversationId: null,
    lastId: "",
    loading: false,
  };
}

/** Shown when a conversation picked from the list is gone (deleted elsewhere, or expired). */
export const CONVERSATION_GONE = "This conversation no longer exists.";

/** Fields of the message at `index`, as setData paths. */
function messageFields(index: number, fields: Partial<ChatMessage>): ChatPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) patch[`messages[${index}].${key}`] = value;
  return patch as ChatPatch;
}

const appendAt = (index: number, message: ChatMessage): ChatPatch => ({ [`messages[${index}]`]: message }) as ChatPatch;

export class ChatController {
  /** Bumped by "new conversation" and by opening one: a reply to an abandoned conversation must not land in another. */
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
    const { draft, sending, loading, conversationId } = this.view.data;
    const message = draft.trim();
    if (message === "" || sending || loading) return;
    const epoch = this.epoch;
    const retry = this.failed;
    const clientMsgId =
      retry && retry.message === message && retry.conversationId === conversationId
        ? retry.clientMsgId
        : newClientMsgId();
    this.failed = undefined;
    const mine = this.message("user", message);
    this.view.setData({ messages: [...this.view.data.messages, mine], draft: "", sending: true, lastId: mine.id });
    const reply = new ReplyView(
      this.view,
      () => this.message("assistant", ""),
      () => epoch === this.epoch,
    );
    try {
      const res = this.deps.chatStream
        ? await this.deps.chatStream(message, conversationId, {
            clientMsgId,
            onDelta: (text) => reply.grow(text),
          })
        : await this.deps.chat({ message, conversation_id: conversationId, client_msg_id: clientMsgId });
      if (epoch !== this.epoch) return;
      reply.finish(res.reply, { conversationId: res.conversation_id, sending: false });
    } catch (e) {
      if (epoch !== this.epoch) return;
      const err = asClientError(e);
      // The backend forgot the conversation (it expired) or it is not ours: the next message starts afresh.
      const expired = err.kind === "not_found";
      const text = expired ? MESSAGES.expired_conversation : err.message;
      if (err.kind === "unexpected") console.error("chat page: unexpected failure", err.cause);
      if (!expired) this.failed = { message, conversationId, clientMsgId };
      // The message that failed is marked: the reply, if part of it had arrived, else the user's message.
      const marked = reply.fail(text) ? {} : this.markFailed(mine.id, text);
      this.view.setData({
        ...marked,
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
    this.view.setData({
      messages: [],
      conversationId: null,
      sending: false,
      streamingId: "",
      lastId: "",
      loading: false,
    });
  }

  /** Shows a stored conversation and continues it with the next message. */
  async open(conversationId: string): Promise<void> {
    const epoch = ++this.epoch;
    this.failed = undefined;
    this.view.setData({ messages: [], conversationId, sending: false, streamingId: "", lastId: "", loading: true });
    try {
      const stored = await this.deps.loadMessages(conversationId);
      if (epoch !== this.epoch) return;
      const messages = stored.map((m) => this.message(m.role, m.content));
      this.view.setData({ messages, loading: false, lastId: messages[messages.length - 1]?.id ?? "" });
    } catch (e) {
      if (epoch !== this.epoch) return;
      const err: ClientError = asClientError(e);
      const gone = err.kind === "not_found";
      // Gone: the next message starts a new conversation. Otherwise (offline, say) the history is
      // not shown but the conversation still continues.
      this.view.setData({ loading: false, ...(gone ? { conversationId: null } : {}) });
      this.deps.toast(gone ? CONVERSATION_GONE : err.message);
    }
  }

  openHistory(): void {
    this.deps.navigate(CONVERSATIONS_URL);
  }

  private markFailed(id: string, error: string): ChatPatch {
    return { messages: this.view.data.messages.map((m) => (m.id === id ? { ...m, failed: true, error } : m)) };
  }

  private message(role: ChatMessage["role"], text: string): ChatMessage {
    return { id: `m${++this.seq}`, role, text, failed: false, error: "", streaming: false };
  }
}

/**
 * The assistant's reply on screen during one turn: appended at its first piece, grown piece by
 * piece (only its text is sent to the view each time), completed when the turn is.
 */
class ReplyView {
  private index = -1;
  private id = "";
  private text = "";

  constructor(
    private readonly view: ChatView,
    private readonly create: () => ChatMessage,
    private readonly current: () => boolean,
  ) {}

  grow(piece: string): void {
    if (!this.current()) return;
    this.text += piece;
    if (this.index === -1) {
      this.append(this.text, true, {});
      return;
    }
    this.view.setData(messageFields(this.index, { text: this.text }));
  }

  /** The whole reply: the text it grew to, or all of it at once when nothing streamed. */
  finish(text: string, patch: Partial<ChatPageData>): void {
    if (this.index === -1) {
      this.append(text, false, patch);
      return;
    }
    this.view.setData({
      ...messageFields(this.index, { text, streaming: false }),
      ...patch,
      streamingId: "",
      lastId: this.id,
    });
  }

  /** Marks a partly arrived reply failed; false when none had arrived. */
  fail(error: string): boolean {
    if (this.index === -1) return false;
    this.view.setData({
      ...messageFields(this.index, { streaming: false, failed: true, error }),
      streamingId: "",
    });
    return true;
  }

  private append(text: string, streaming: boolean, patch: Partial<ChatPageData>): void {
    const message = { ...this.create(), text, streaming };
    this.index = this.view.data.messages.length;
    this.id = message.id;
    this.view.setData({
      ...appendAt(this.index, message),
      ...patch,
      streamingId: streaming ? message.id : "",
      lastId: message.id,
    });
  }
}

/**
 * The page's definition for Component(): its data, and in `methods` the page's lifecycle
 * (onLoad) and the handlers the WXML binds, as WeChat wants of a page built with Component().
 */
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
    methods: {
      /** `?conversation_id=…` (from the conversation list) opens that conversation. */
      onLoad(this: ChatView, query: Record<string, string | undefined>): Promise<void> {
        const id = query.conversation_id;
        if (!id) return Promise.resolve();
        return of(this).open(safeDecode(id));
      },
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
      onOpenHistory(this: ChatView): void {
        of(this).openHistory();
      },
    },
  };
}

/** Query values arrive as they were written in the URL (percent-encoded), on some base libraries decoded. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
