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
  /** `session`: needs a valid `x-wx-session` header (401 unauthorized). */
  auth: "none" | "session";
  /**
   * The counter each request is charged to (429 rate_limited): `login` per client address,
   * `chat` per caller.
   */
  limit?: "login" | "chat";
  /**
   * Refused once the caller's daily token quota, or all callers' global cap, is spent (429
   * quota_exceeded); the action charges the tokens it used.
   */
  quota?: true;
  /**
   * A retry that repeats the body's `client_msg_id` runs once: claimed, waited for while its
   * first copy runs, answered from the stored response after (409 conflict / in_progress).
   */
  idempotency?: "client_msg_id";
  /**
   * A conversation the request names, which must be the caller's (404 not_found otherwise):
   * the body field or the path parameter that holds its id.
   */
  owns?: { conversation: { body: string } | { path: string } };
  /** Error codes the action itself raises; the ones the record implies are added by `errorsOf`. */
  raises: readonly ErrorCode[];
  /** Query parameters it reads, with what each does. */
  query?: Readonly<Record<string, string>>;
  /** Answered as server-sent events rather than one JSON body. */
  stream?: true;
  /**
   * Configuration groups (shared/config.ts) the action reads. With those the record implies for
   * its guard (`impliedGroups`), the pipeline loads exactly these (503 naming what is missing),
   * the deployment passes their variables to the function, and docs/config.md lists them.
   */
  config: readonly Group[];
  /** Groups it also needs while a flag of its configuration is on. */
  configWhen?: Readonly<Partial<Record<"WX_MSG_SEC_CHECK", readonly Group[]>>>;
  /** Groups its action reads only if they are set, never failing without them. */
  configOptional?: readonly Group[];
}

const chatRecord = {
  method: "POST",
  body: s.ChatRequest,
  status: 200,
  auth: "session",
  limit: "chat",
  quota: true,
  idempotency: "client_msg_id",
  owns: { conversation: { body: "conversation_id" } },
  config: ["openclaw", "conversations", "contentSecurity"],
  configWhen: { WX_MSG_SEC_CHECK: ["wechat"] },
  raises: ["content_blocked", "upstream_error", "upstream_timeout"],
} as const;

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
    raises: ["unavailable"],
  },
  login: {
    method: "POST",
    path: "/api/auth/wx-login",
    summary: "Exchange a wx.login code for a session token",
    body: s.LoginRequest,
    response: s.LoginResponse,
    status: 200,
    auth: "none",
    limit: "login",
    config: ["wechat", "session"],
    raises: ["invalid_code", "user_blocked", "upstream_error"],
  },
  logout: {
    method: "POST",
    path: "/api/auth/logout",
    summary: "Revoke the session token at once",
    status: 204,
    auth: "session",
    config: [],
    raises: [],
  },
  chat: {
    ...chatRecord,
    path: "/api/chat",
    summary: "Send a message to the OpenClaw agent and get its reply",
    response: s.ChatResponse,
  },
  "chat-stream": {
    ...chatRecord,
    path: "/api/chat/stream",
    summary:
      "Like /api/chat, answered as server-sent events: `delta` {text} pieces, then `done` {conversation_id, tokens_used}, or `error` {error, code}",
    stream: true,
  },
  conversations: {
    method: "GET",
    path: "/api/conversations",
    summary: "The caller's conversations, most recently used first",
    response: s.ConversationsResponse,
    status: 200,
    auth: "session",
    config: [],
    raises: [],
  },
  "conversation-messages": {
    method: "GET",
    path: "/api/conversations/{id}/messages",
    summary: "The stored turns of one of the caller's conversations, oldest first",
    response: s.MessagesResponse,
    status: 200,
    auth: "session",
    owns: { conversation: { path: "id" } },
    config: ["conversations"],
    raises: [],
  },
  "conversation-delete": {
    method: "DELETE",
    path: "/api/conversations/{id}",
    summary: "Delete one of the caller's conversations and its history",
    status: 204,
    auth: "session",
    owns: { conversation: { path: "id" } },
    config: [],
    raises: [],
  },
  "me-delete": {
    method: "DELETE",
    path: "/api/me",
    summary: "Erase everything held about the caller: sessions, conversations, history, counters",
    status: 204,
    auth: "session",
    config: [],
    raises: [],
  },
} as const satisfies Record<string, RouteDef>;

/** `owns` names a path parameter of the route's template, or a field of its body schema. */
type OwnsHolds<R> = R extends { owns: { conversation: { path: infer P extends string } } }
  ? R extends { path: `${string}{${P}}${string}` }
    ? true
    : false
  : R extends { owns: { conversation: { body: infer F extends string } }; body: infer S extends z.ZodMiniType }
    ? F extends keyof z.infer<S>
      ? true
      : false
    : R extends { owns: object }
      ? false
      : true;
type Holds<T extends true> = T;
/** Fails to compile while some record's `owns` points at nothing. */
export type OwnershipDeclared = Holds<
  { [N in keyof typeof routes]: OwnsHolds<(typeof routes)[N]> }[keyof typeof routes]
>;

/**
 * The configuration groups the record's guard reads: Redis for a session, a limit, a quota or
 * ownership; the limit's and the quota's own settings. `ImpliedGroups` says the same to the
 * type-checker.
 */
export function impliedGroups(route: RouteDef): Group[] {
  const groups: Group[] = [];
  if (route.auth === "session" || route.limit) groups.push("redis");
  if (route.limit === "login") groups.push("loginLimit");
  if (route.limit === "chat") groups.push("chatLimit");
  if (route.quota) groups.push("quota");
  return groups;
}

export type ImpliedGroups<R extends RouteDef> =
  | (R extends { auth: "session" } | { limit: string } ? "redis" : never)
  | (R extends { limit: "login" } ? "loginLimit" : never)
  | (R extends { limit: "chat" } ? "chatLimit" : never)
  | (R extends { quota: true } ? "quota" : never);

/**
 * Every error code a route can answer with: those every route can (routing, body size, a bug),
 * those its record implies, and those its action raises. The OpenAPI document lists these.
 */
export function errorsOf(route: RouteDef): ErrorCode[] {
  const codes: ErrorCode[] = ["not_found", "method_not_allowed", "payload_too_large", "internal"];
  if (route.body) codes.push("invalid_request");
  if (route.config.length > 0 || impliedGroups(route).length > 0) codes.push("unavailable");
  if (route.auth === "session") codes.push("unauthorized");
  if (route.limit) codes.push("rate_limited");
  if (route.quota) codes.push("quota_exceeded");
  if (route.idempotency) codes.push("conflict", "in_progress");
  return [...new Set([...codes, ...route.raises])];
}

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
