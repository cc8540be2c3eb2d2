/**
 * The OpenAPI 3.1 document, generated from the route table and the same zod schemas the
 * handlers validate with, so it cannot drift from the code (a test compares it with the file).
 */
import * as z from "zod/mini";
import { ERROR_CODES, type ErrorCode, STATUS_OF } from "../../shared/errors.js";
import { errorsOf, type RouteDef, type RouteName, routes } from "../../shared/routes.js";
import * as schemas from "../../shared/schemas.js";

type Json = Record<string, unknown>;

/** Exported schemas by identity, so a route's schema becomes a named component. */
function namedSchemas(): Map<unknown, string> {
  const names = new Map<unknown, string>();
  // Sorted: module namespaces enumerate differently under different loaders.
  for (const [name, value] of Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) {
    if (value && typeof value === "object" && "_zod" in value) names.set(value, name);
  }
  return names;
}

const ERROR_TEXT: Record<ErrorCode, string> = {
  invalid_request: "body not JSON, wrong types, missing or empty field, message too long",
  unauthorized: "missing, unknown or expired x-wx-session",
  invalid_code: "WeChat rejected the login code (errcode 40029, 40163)",
  user_blocked: "WeChat flags the user as high risk (errcode 40226)",
  not_found: "unknown route, or a resource that does not exist or belongs to someone else",
  method_not_allowed: "known path, wrong method",
  payload_too_large: "body over 65,536 bytes after base64 decoding",
  rate_limited: "over a limit (also WeChat errcode 45011, then Retry-After: 60)",
  internal: "a bug: logged with its stack, generic message",
  upstream_error: "OpenClaw or WeChat answered 5xx, an error, or something unparsable",
  unavailable: "Redis unreachable, or configuration missing",
  upstream_timeout: "OpenClaw did not answer within OPENCLAW_TIMEOUT_MS, or its model timed out",
  conflict: "client_msg_id already used for a different message",
  in_progress: "a retry of a turn still running, past the waiters allowed; Retry-After says when to send it again",
  content_blocked: "WeChat's content check (msgSecCheck) judged the message risky; nothing was forwarded",
  quota_exceeded: "the caller's daily token quota is used up; Retry-After is the time to the reset",
};

const header = (description: string, type = "string") => ({ description, schema: { type } });

const RATE_HEADERS = {
  "RateLimit-Policy": header("quota and window, e.g. `20;w=60` (draft-ietf-httpapi-ratelimit-headers-06)"),
  "RateLimit-Limit": header("requests allowed per window", "integer"),
  "RateLimit-Remaining": header("requests left in this window", "integer"),
  "RateLimit-Reset": header("seconds until the window resets", "integer"),
};

const QUOTA_HEADERS = {
  "X-Token-Quota-Remaining": header(
    "tokens left of the caller's daily quota (only while DAILY_TOKEN_QUOTA is on)",
    "integer",
  ),
};

const REPLAY_HEADERS = {
  "Idempotent-Replayed": header(
    "`true` when this is the stored response to an earlier request with the same client_msg_id",
  ),
};

/** The headers a successful response carries, by what the route's record declares. */
function successHeaders(route: RouteDef, common: Json): Json {
  const headers: Json = { ...common, ...(route.limit ? RATE_HEADERS : {}) };
  // A stream's headers are sent before the turn is known: neither its quota nor a replay shows there.
  if (route.quota && !route.stream) Object.assign(headers, QUOTA_HEADERS);
  if (route.idempotency && !route.stream) Object.assign(headers, REPLAY_HEADERS);
  return headers;
}

function operation(name: RouteName, route: RouteDef, names: Map<unknown, string>): Json {
  const ref = (schema: unknown) => ({ $ref: `#/components/schemas/${names.get(schema)}` });
  const common = { "X-Request-Id": header("the request id, for support") };
  const limited = route.limit ? RATE_HEADERS : {};
  const responses: Json = {};
  if (route.status === 204) {
    responses["204"] = { description: "done", headers: successHeaders(route, common) };
  } else if (route.stream) {
    responses["200"] = {
      description:
        "Server-sent events. `event: delta` (data StreamDelta) for each piece of the reply, then " +
        "`event: done` (data StreamDone) — or `event: error` (data ErrorResponse, codes as above) " +
        "when something fails after the stream started. Failures before it are plain JSON errors.",
      headers: successHeaders(route, common),
      content: { "text/event-stream": { schema: { type: "string" } } },
      "x-sse-events": {
        delta: ref(schemas.StreamDelta),
        done: ref(schemas.StreamDone),
        error: ref(schemas.ErrorResponse),
      },
    };
  } else {
    responses["200"] = {
      description: "success",
      headers: successHeaders(route, common),
      content: { "application/json": { schema: ref(route.response) } },
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(route)) byStatus.set(STATUS_OF[code], [...(byStatus.get(STATUS_OF[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const headers: Json = { ...common };
    if (status === 429 || codes.includes("in_progress"))
      Object.assign(headers, {
        "Retry-After": header("whole seconds to wait, at least 1 (429, 409 in_progress)", "integer"),
      });
    if (route.limit && status !== 401 && status !== 413 && status !== 405) Object.assign(headers, limited);
    if (codes.includes("quota_exceeded")) Object.assign(headers, QUOTA_HEADERS);
    responses[String(status)] = {
      description: codes.map((c) => `\`${c}\`: ${ERROR_TEXT[c]}`).join("; "),
      headers,
      content: {
        "application/json": {
          schema: {
            allOf: [ref(schemas.ErrorResponse), { type: "object", properties: { code: { enum: codes } } }],
          },
        },
      },
    };
  }
  const parameters: Json[] = [];
  for (const match of route.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({ name: match[1], in: "path", required: true, schema: { type: "string" } });
  }
  for (const [q, description] of Object.entries(route.query ?? {})) {
    parameters.push({ name: q, in: "query", required: false, description, schema: { type: "string" } });
  }
  const op: Json = { operationId: name, summary: route.summary, responses };
  if (parameters.length) op.parameters = parameters;
  if (route.auth === "session") op.security = [{ wxSession: [] }];
  if (route.body) {
    op.requestBody = { required: true, content: { "application/json": { schema: ref(route.body) } } };
  }
  return op;
}

export function openApiDocument(): Json {
  const names = namedSchemas();
  const paths: Record<string, Json> = {};
  for (const [name, route] of Object.entries(routes) as Array<[RouteName, RouteDef]>) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = operation(name, route, names);
  }
  const components: Json = {};
  for (const [schema, name] of names) {
    const { $schema: _, ...json } = z.toJSONSchema(schema as z.ZodMiniType, { io: "input", unrepresentable: "any" });
    components[name] = json;
  }
  (components.ErrorResponse as Json).properties = {
    error: { type: "string", description: "a sentence for humans" },
    code: { type: "string", enum: ERROR_CODES },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "wxclaw-gateway",
      version: "1",
      description:
        "Backend between a WeChat Mini Program and an OpenClaw gateway. Every error body is " +
        '`{"error", "code"}`; every response has `X-Request-Id`. Request bodies ignore unknown fields.',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        wxSession: { type: "apiKey", in: "header", name: "x-wx-session", description: "sessionKey from wx-login" },
      },
    },
  };
}
