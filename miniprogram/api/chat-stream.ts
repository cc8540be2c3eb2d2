/**
 * POST /api/chat/stream: one turn whose reply arrives in pieces (server-sent events `delta`,
 * then `done`, or `error`), read with wx.request's chunked mode.
 */
import type { ChatRequest, ChatResponse } from "../../shared/schemas";
import { sendChunked } from "./chunked";
import { ClientError, errorFromResponse, errorFromStreamEvent, MESSAGES } from "./errors";
import { newClientMsgId } from "./ids";
import { untilNotInProgress } from "./in-progress";
import { CHAT_STREAM_PATH } from "./paths";
import { type HttpResponse, urlOf } from "./request";
import type { Sessions } from "./session";
import { type ServerSentEvent, SseParser } from "./sse";

export interface ChatStreamOptions {
  /** Each piece of the reply, in order; together they are the reply. */
  onDelta(text: string): void;
  /** Names the message, for a retry to get the first reply back; a new one when absent. */
  clientMsgId?: string;
}

export type ChatStream = (
  message: string,
  conversationId: string | null,
  options: ChatStreamOptions,
) => Promise<ChatResponse>;

type Outcome = { ok: true; done: Omit<ChatResponse, "reply"> } | { ok: false; error: ClientError };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const badResponse = () => new ClientError("bad_response", MESSAGES.bad_response, { status: 200 });

function parseData(e: ServerSentEvent): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(e.data);
    if (isRecord(data)) return data;
  } catch {
    // Not JSON: reported below as what it is, an answer the contract does not have.
  }
  throw badResponse();
}

/**
 * Resolves with the whole reply once `done` arrives, or rejects with a ClientError whose message
 * can be shown as is: the backend's JSON error before the stream (a 401 logs in again once), its
 * `error` event during it, `interrupted` when the stream ends without either.
 */
export function createChatStream(sessions: Sessions, options: { baseUrl: string; timeoutMs: number }): ChatStream {
  return async (message, conversationId, { onDelta, clientMsgId }) => {
    const body: ChatRequest = {
      message,
      conversation_id: conversationId,
      client_msg_id: clientMsgId ?? newClientMsgId(),
    };
    let reply = "";
    let outcome: Outcome | undefined;

    const attempt = (token: string) =>
      new Promise<HttpResponse>((resolve, reject) => {
        // Each attempt parses its own response; only a 200 stream ever reaches the parser.
        const parser = new SseParser((e) => {
          if (outcome) return;
          let delta: string | undefined;
          try {
            if (e.event === "delta") {
              const { text } = parseData(e);
              if (typeof text !== "string") throw badResponse();
              delta = text;
            } else if (e.event === "done") {
              const { conversation_id, tokens_used } = parseData(e);
              if (typeof conversation_id !== "string" || conversation_id === "") throw badResponse();
              outcome = {
                ok: true,
                done: { conversation_id, tokens_used: typeof tokens_used === "number" ? tokens_used : 0 },
              };
            } else if (e.event === "error") {
              outcome = { ok: false, error: errorFromStreamEvent(parseData(e)) };
            }
            // Other events are ignored: a newer backend may send more kinds.
          } catch (err) {
            outcome = { ok: false, error: err instanceof ClientError ? err : badResponse() };
          }
          if (delta !== undefined) {
            reply += delta;
            onDelta(delta);
          }
          // The stream's last word settles the turn at once; the connection closes right after.
          if (outcome) resolve({ status: 200, data: undefined, headers: {} });
        });
        sendChunked(
          {
            url: urlOf(options.baseUrl, CHAT_STREAM_PATH),
            method: "POST",
            body,
            headers: { "x-wx-session": token },
            timeoutMs: options.timeoutMs,
          },
          (text) => parser.push(text),
        ).then((res) => {
          parser.end();
          resolve(res);
        }, reject);
      });

    // A 409 in_progress comes before any event: the same message is sent again after Retry-After.
    const res = await sessions.authorized((token) => untilNotInProgress(() => attempt(token)));
    if (res.status !== 200) throw errorFromResponse(res);
    if (!outcome) {
      // A 200 that is no event stream at all (a gateway not passing the function's answer
      // through) is not a reply cut short.
      const stream = /^text\/event-stream\b/i.test(res.headers["content-type"] ?? "");
      throw stream ? new ClientError("interrupted", MESSAGES.interrupted, { status: 200 }) : badResponse();
    }
    if (!outcome.ok) throw outcome.error;
    return { reply, ...outcome.done };
  };
}
