/**
 * Conversation history: the caller's conversations, one conversation's stored messages, and
 * deleting one. Each call is sent with the session (logging in again once on 401) and its answer
 * is checked before a page sees it.
 */
import type { ConversationSummary, StoredMessage } from "../../shared/schemas";
import { ClientError, errorFromResponse, MESSAGES } from "./errors";
import { CONVERSATIONS_PATH, conversationMessagesPath, conversationPath } from "./paths";
import { type Method, send, urlOf } from "./request";
import type { Sessions } from "./session";

export interface HistoryOptions {
  baseUrl: string;
  timeoutMs: number;
}

export interface History {
  /** The caller's conversations, most recently used first. */
  listConversations(): Promise<ConversationSummary[]>;
  /** A conversation's stored messages, oldest first (none when the backend keeps no history). */
  loadMessages(conversationId: string): Promise<StoredMessage[]>;
  /** Deletes a conversation and its history; one that is already gone counts as deleted. */
  deleteConversation(conversationId: string): Promise<void>;
}

const badResponse = (status: number) => new ClientError("bad_response", MESSAGES.bad_response, { status });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function listOf(data: unknown, field: string, status: number): unknown[] {
  const list = isRecord(data) ? data[field] : undefined;
  if (!Array.isArray(list)) throw badResponse(status);
  return list;
}

function parseSummary(v: unknown): ConversationSummary | undefined {
  if (!isRecord(v)) return undefined;
  const { id, title, created_at, updated_at } = v;
  if (typeof id !== "string" || id === "" || typeof updated_at !== "number") return undefined;
  return {
    id,
    title: typeof title === "string" ? title : "",
    created_at: typeof created_at === "number" ? created_at : updated_at,
    updated_at,
  };
}

function parseMessage(v: unknown): StoredMessage | undefined {
  if (!isRecord(v)) return undefined;
  const { role, content, at } = v;
  if ((role !== "user" && role !== "assistant") || typeof content !== "string") return undefined;
  return { role, content, at: typeof at === "number" ? at : 0 };
}

/** Every item, or bad_response if any is not what the contract says: a page never shows half a list. */
function parseAll<T>(items: unknown[], parse: (v: unknown) => T | undefined, status: number): T[] {
  return items.map((item) => {
    const parsed = parse(item);
    if (parsed === undefined) throw badResponse(status);
    return parsed;
  });
}

export function createHistory(sessions: Sessions, options: HistoryOptions): History {
  const call = (method: Method, path: string) =>
    sessions.authorized((token) =>
      send({
        url: urlOf(options.baseUrl, path),
        method,
        headers: { "x-wx-session": token },
        timeoutMs: options.timeoutMs,
      }),
    );

  return {
    async listConversations() {
      const res = await call("GET", CONVERSATIONS_PATH);
      if (res.status !== 200) throw errorFromResponse(res);
      return parseAll(listOf(res.data, "conversations", res.status), parseSummary, res.status);
    },
    async loadMessages(conversationId) {
      const res = await call("GET", conversationMessagesPath(conversationId));
      if (res.status !== 200) throw errorFromResponse(res);
      return parseAll(listOf(res.data, "messages", res.status), parseMessage, res.status);
    },
    async deleteConversation(conversationId) {
      const res = await call("DELETE", conversationPath(conversationId));
      // 404: someone (this user on another device) deleted it first, or it expired.
      if (res.status === 404 || (res.status >= 200 && res.status < 300)) return;
      throw errorFromResponse(res);
    },
  };
}
