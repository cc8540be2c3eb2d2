/** POST /api/chat: one turn of a conversation, sent with the session. */
import type { ChatRequest, ChatResponse } from "../../shared/schemas";
import { ClientError, errorFromResponse, MESSAGES } from "./errors";
import { untilNotInProgress } from "./in-progress";
import { CHAT_PATH } from "./paths";
import { send, urlOf } from "./request";
import type { Sessions } from "./session";

export interface ChatOptions {
  baseUrl: string;
  timeoutMs: number;
}

export type Chat = (request: ChatRequest) => Promise<ChatResponse>;

function parseChat(data: unknown): ChatResponse {
  const d = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  const { reply, conversation_id, tokens_used } = d;
  if (typeof reply !== "string" || typeof conversation_id !== "string" || conversation_id === "") {
    throw new ClientError("bad_response", MESSAGES.bad_response, { status: 200 });
  }
  return { reply, conversation_id, tokens_used: typeof tokens_used === "number" ? tokens_used : 0 };
}

/**
 * Resolves with the reply, or rejects with a ClientError whose message can be shown as is
 * (429 carries `retryAfterS`; a 404 means the conversation is gone: start a new one). A 409
 * `in_progress` (this message is still being answered) is sent again after its Retry-After.
 */
export function createChat(sessions: Sessions, options: ChatOptions): Chat {
  return async (request) => {
    const res = await sessions.authorized((token) =>
      untilNotInProgress(() =>
        send({
          url: urlOf(options.baseUrl, CHAT_PATH),
          method: "POST",
          body: request,
          headers: { "x-wx-session": token },
          timeoutMs: options.timeoutMs,
        }),
      ),
    );
    if (res.status !== 200) throw errorFromResponse(res);
    return parseChat(res.data);
  };
}
