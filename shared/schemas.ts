/**
 * Request and response shapes of the HTTP API. The handlers validate with them, the OpenAPI
 * document is generated from them, and the Mini Program imports their types.
 * Objects strip unknown fields, so older backends accept newer clients.
 */
import * as z from "zod/mini";
import { ERROR_CODES } from "./errors.js";

/**
 * The sentence a client sees when a field is wrong in any way: missing, of the wrong type, blank or
 * too long, so it learns what is expected in one go. `{NAME}` stands for the value of the
 * configuration variable NAME (filled in by shared/http/body.ts).
 */
export const FIELD_RULES = {
  code: "code must be the string wx.login() returned (1–256 characters)",
  message: "message must be text of 1–{MESSAGE_MAX_CHARS} code points, not only spaces (MESSAGE_MAX_CHARS)",
  conversation_id: "conversation_id must be the id of one of your conversations, or null to start a new one",
  client_msg_id: "client_msg_id, when given, must be a string of 1–64 characters",
} as const;

const nonBlank = (rule: string) => z.string({ error: rule }).check(z.refine((s) => s.trim() !== "", { error: rule }));

const DependencyCheck = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  problem: z.optional(z.string()),
});

export const HealthResponse = z.object({
  status: z.literal("ok"),
  timestamp: z.number(),
  /** With `?deep=1`: Redis and OpenClaw, each reached within a short deadline. */
  checks: z.optional(z.object({ redis: DependencyCheck, openclaw: DependencyCheck })),
});

export const LoginRequest = z.object({
  code: nonBlank(FIELD_RULES.code).check(
    z.maxLength(256, { error: FIELD_RULES.code }),
    z.describe("the code from wx.login(); works once"),
  ),
});

export const LoginResponse = z.object({
  sessionKey: z.string().check(z.describe("session token (64 hex); send it as x-wx-session")),
  expiresIn: z.number().check(z.describe("seconds until the session expires (fixed at login)")),
});

export const ChatRequest = z.object({
  message: nonBlank(FIELD_RULES.message).check(
    z.describe("not blank; at most MESSAGE_MAX_CHARS (default 2000) Unicode code points"),
  ),
  conversation_id: z.optional(
    z.nullable(
      z
        .string({ error: FIELD_RULES.conversation_id })
        .check(
          z.minLength(1, { error: FIELD_RULES.conversation_id }),
          z.describe("a conversation of the caller's; null or absent starts a new one"),
        ),
    ),
  ),
  client_msg_id: z.optional(
    z
      .string({ error: FIELD_RULES.client_msg_id })
      .check(
        z.minLength(1, { error: FIELD_RULES.client_msg_id }),
        z.maxLength(64, { error: FIELD_RULES.client_msg_id }),
        z.describe(
          "optional retry id: the same id with the same message within 10 minutes returns the first reply again",
        ),
      ),
  ),
});

export const ChatResponse = z.object({
  reply: z.string(),
  conversation_id: z.string(),
  tokens_used: z.number().check(z.describe("OpenClaw's usage.total_tokens for this turn; 0 when not reported")),
});

export const ConversationSummary = z.object({
  id: z.string(),
  title: z.string().check(z.describe("start of the first message; empty when history is off")),
  created_at: z.number().check(z.describe("ms since epoch")),
  updated_at: z.number().check(z.describe("ms since epoch of the last completed turn")),
});

export const ConversationsResponse = z.object({
  conversations: z.array(ConversationSummary).check(z.describe("the caller's, most recently used first (at most 100)")),
});

export const StoredMessage = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  at: z.number().check(z.describe("ms since epoch")),
});

export const MessagesResponse = z.object({
  messages: z
    .array(StoredMessage)
    .check(z.describe("oldest first, the last HISTORY_MAX_MESSAGES; empty when history is off")),
});

/** Server-sent events of POST /api/chat/stream (the `data:` of each event). */
export const StreamDelta = z.object({ text: z.string() });
export const StreamDone = z.object({ conversation_id: z.string(), tokens_used: z.number() });

export const ErrorResponse = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES as [string, ...string[]]),
});

/** Each event of a chat stream with the schema of its data: what the server may send, typed. */
export const StreamEvents = { delta: StreamDelta, done: StreamDone, error: ErrorResponse } as const;
export type StreamEventName = keyof typeof StreamEvents;
export type StreamEventData<E extends StreamEventName> = z.infer<(typeof StreamEvents)[E]>;

export type HealthResponse = z.infer<typeof HealthResponse>;
export type LoginRequest = z.infer<typeof LoginRequest>;
export type LoginResponse = z.infer<typeof LoginResponse>;
export type ChatRequest = z.infer<typeof ChatRequest>;
export type ChatResponse = z.infer<typeof ChatResponse>;
export type ErrorResponse = z.infer<typeof ErrorResponse>;
export type ConversationSummary = z.infer<typeof ConversationSummary>;
export type ConversationsResponse = z.infer<typeof ConversationsResponse>;
export type StoredMessage = z.infer<typeof StoredMessage>;
export type MessagesResponse = z.infer<typeof MessagesResponse>;
export type StreamDelta = z.infer<typeof StreamDelta>;
export type StreamDone = z.infer<typeof StreamDone>;

/** Length in Unicode code points: 😀 is one, a ZWJ family is several. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
