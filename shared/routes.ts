/**
 * The one route table: a path and method each, with what the route takes and answers. Which SCF
 * function serves a route is in shared/functions.ts; the custom domain's path rules, the dev
 * server, the manifest (dist/routes.json), the deployment and the OpenAPI generator all read
 * these two tables, and no path is written anywhere else.
 */
import type * as z from "zod/mini";
import type { Group } from "./config-groups.js";
import type { ErrorCode } from "./errors.js";
import * as s from "./schemas.js";

export type Method = "GET" | "POST" | "DELETE";

export interface RouteDef {
  method: Method;
  /** Literal path; `{name}` marks a path parameter. */
  path: string;
  summary: string;
  body?: z.ZodMiniType;
  /** The 2xx body; absent for 204. */
  response?: z.ZodMiniType;
  status: 200 | 204;
  /** `session`: needs a valid `x-wx-session` header. */
  auth: "none" | "session";
  /** Which counter the request is charged to. */
  limit?: "login" | "chat";
  /** Error codes this route can answer with, for the OpenAPI document. */
  errors: readonly ErrorCode[];
  /** Query parameters it reads, with what each does. */
  query?: Readonly<Record<string, string>>;
  /** Answered as server-sent events rather than one JSON body. */
  stream?: true;
  /**
   * Configuration groups (shared/config.ts) the route needs, its guard's included: the pipeline
   * loads exactly these (503 naming what is missing), the deployment passes their variables to
   * the function, and docs/config.md lists them.
   */
  config: readonly Group[];
  /** Groups it also needs while a flag of its configuration is on. */
  configWhen?: Readonly<Partial<Record<"WX_MSG_SEC_CHECK", readonly Group[]>>>;
  /** Groups its action reads only if they are set, never failing without them. */
  configOptional?: readonly Group[];
}

const always: ErrorCode[] = ["not_found", "method_not_allowed", "internal"];

const chatErrors: ErrorCode[] = [
  ...always,
  "invalid_request",
  "payload_too_large",
  "unauthorized",
  "conflict",
  "in_progress",
  "content_blocked",
  "rate_limited",
  "quota_exceeded",
  "upstream_error",
  "upstream_timeout",
  "unavailable",
];

export const routes = {
  health: {
    method: "GET",
    path: "/api/health",
    summary: "Liveness probe; with `deep=1`, also whether Redis and OpenClaw answer",
    query: {
      deep: "`1`: also reach Redis (PING) and OpenClaw (HTTP), each within 2 s; 503 `unavailable` with `checks` when one fails",
    },
    response: s.HealthResponse,
    status: 200,
    auth: "none",
    config: [],
    configOptional: ["redis", "openclawOrigin"],
    errors: [...always, "unavailable"],
  },
  login: {
    method: "POST",
    path: "/api/auth/wx-login",
    summary: "Exchange a wx.login code for a session token",
    body: s.LoginRequest,
    response: s.LoginResponse,
    status: 200,
    auth: "none",
    config: ["redis", "loginLimit", "wechat", "session"],
    limit: "login",
    errors: [
      ...always,
      "invalid_request",
      "payload_too_large",
      "invalid_code",
      "user_blocked",
      "rate_limited",
      "upstream_error",
      "unavailable",
    ],
  },
  logout: {
    method: "POST",
    path: "/api/auth/logout",
    summary: "Revoke the session token at once",
    status: 204,
    auth: "session",
    config: ["redis"],
    errors: [...always, "payload_too_large", "unauthorized", "unavailable"],
  },
  chat: {
    method: "POST",
    path: "/api/chat",
    summary: "Send a message to the OpenClaw agent and get its reply",
    body: s.ChatRequest,
    response: s.ChatResponse,
    status: 200,
    auth: "session",
    config: ["redis", "chatLimit", "quota", "openclaw", "conversations", "contentSecurity"],
    configWhen: { WX_MSG_SEC_CHECK: ["wechat"] },
    limit: "chat",
    errors: chatErrors,
  },
  "chat-stream": {
    method: "POST",
    path: "/api/chat/stream",
    summary:
      "Like /api/chat, answered as server-sent events: `delta` {text} pieces, then `done` {conversation_id, tokens_used}, or `error` {error, code}",
    body: s.ChatRequest,
    status: 200,
    auth: "session",
    config: ["redis", "chatLimit", "quota", "openclaw", "conversations", "contentSecurity"],
    configWhen: { WX_MSG_SEC_CHECK: ["wechat"] },
    limit: "chat",
    stream: true,
    errors: chatErrors,
  },
  conversations: {
    method: "GET",
    path: "/api/conversations",
    summary: "The caller's conversations, most recently used first",
    response: s.ConversationsResponse,
    status: 200,
    auth: "session",
    config: ["redis"],
    errors: [...always, "unauthorized", "unavailable"],
  },
  "conversation-messages": {
    method: "GET",
    path: "/api/conversations/{id}/messages",
    summary: "The stored turns of one of the caller's conversations, oldest first",
    response: s.MessagesResponse,
    status: 200,
    auth: "session",
    config: ["redis", "conversations"],
    errors: [...always, "unauthorized", "unavailable"],
  },
  "conversation-delete": {
    method: "DELETE",
    path: "/api/conversations/{id}",
    summary: "Delete one of the caller's conversations and its history",
    status: 204,
    auth: "session",
    config: ["redis"],
    errors: [...always, "unauthorized", "unavailable"],
  },
  "me-delete": {
    method: "DELETE",
    path: "/api/me",
    summary: "Erase everything held about the caller: sessions, conversations, history, counters",
    status: 204,
    auth: "session",
    config: ["redis"],
    errors: [...always, "unauthorized", "unavailable"],
  },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof routes;
export const ROUTE_NAMES = Object.keys(routes) as RouteName[];

function matches(template: string, path: string): boolean {
  if (!template.includes("{")) return template === path;
  const a = template.split("/");
  const b = path.split("/");
  return a.length === b.length && a.every((seg, i) => (seg.startsWith("{") ? b[i] !== "" : seg === b[i]));
}

export function pathMatches(route: RouteDef, path: string): boolean {
  return matches(route.path, path);
}

/** `{name}` segments of the route's template, taken from a matching path. */
export function routeParams(route: RouteDef, path: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (!route.path.includes("{")) return params;
  const b = path.split("/");
  route.path.split("/").forEach((seg, i) => {
    if (!seg.startsWith("{")) return;
    try {
      params[seg.slice(1, -1)] = decodeURIComponent(b[i] ?? "");
    } catch {
      params[seg.slice(1, -1)] = b[i] ?? "";
    }
  });
  return params;
}
