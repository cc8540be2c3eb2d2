/**
 * Tencent API Gateway event → a plain request (contract §3). Nothing here trusts the event's
 * shape: fields may be missing, of the wrong type, or absurd, and decoding still never throws
 * anything but an ApiError.
 */
import { ApiError } from "../errors.js";

/** The event as API Gateway sends it; every field optional because nothing guarantees it. */
export interface ApiGatewayEvent {
  httpMethod?: unknown;
  path?: unknown;
  headers?: unknown;
  body?: unknown;
  isBase64Encoded?: unknown;
  queryString?: unknown;
  queryStringParameters?: unknown;
  requestContext?: unknown;
}

/** The part of SCF's invocation context we use. */
export interface ScfContext {
  request_id?: string;
  callbackWaitsForEmptyEventLoop?: boolean;
}

export interface HttpRequest {
  method: string;
  path: string;
  /** Lower-cased names, string values. */
  headers: Readonly<Record<string, string>>;
  /** The body as text (base64 already decoded); "" when absent. */
  body: string;
  /** Path parameters of the route template (`{id}`), decoded. */
  params: Readonly<Record<string, string>>;
  requestId: string;
  sourceIp: string;
}

/** Contract §4: bodies over 64 KiB after base64 decoding are refused. */
export const MAX_BODY_BYTES = 65_536;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function lowerCaseHeaders(raw: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isRecord(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string") out[name.toLowerCase()] = value;
    else if (typeof value === "number") out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** Decoded byte length of a base64 string, without decoding it. */
function base64Bytes(b64: string): number {
  const clean = b64.replace(/[^A-Za-z0-9+/_-]/g, "");
  return Math.floor((clean.length * 3) / 4);
}

function decodeBody(event: ApiGatewayEvent): string {
  const body = str(event.body);
  if (!body) return "";
  if (event.isBase64Encoded === true) {
    if (base64Bytes(body) > MAX_BODY_BYTES) throw tooLarge();
    return Buffer.from(body, "base64").toString("utf8");
  }
  // A JS string of n UTF-16 units is at least n bytes as UTF-8, so most bodies skip the count.
  if (body.length > MAX_BODY_BYTES || Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) {
    throw tooLarge();
  }
  return body;
}

const tooLarge = () => new ApiError("payload_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes.`);

/** Method, path, headers and ids; the body is decoded separately so that routing answers first. */
export function readRequestLine(event: unknown, context: ScfContext | undefined) {
  const ev: ApiGatewayEvent = isRecord(event) ? event : {};
  const ctx = isRecord(ev.requestContext) ? ev.requestContext : {};
  const headers = lowerCaseHeaders(ev.headers);
  const requestId = str(ctx.requestId) || headers["x-api-requestid"] || str(context?.request_id) || "unknown";
  return {
    event: ev,
    method: (str(ev.httpMethod) ?? "").toUpperCase(),
    path: str(ev.path) ?? "",
    headers,
    requestId: requestId.slice(0, 128),
    sourceIp: str(ctx.sourceIp) || headers["x-forwarded-for"]?.split(",")[0]?.trim() || "unknown",
  };
}

export type RequestLine = ReturnType<typeof readRequestLine>;

export function decodeRequest(line: RequestLine, params: Record<string, string> = {}): HttpRequest {
  return {
    params,
    method: line.method,
    path: line.path,
    headers: line.headers,
    requestId: line.requestId,
    sourceIp: line.sourceIp,
    body: decodeBody(line.event),
  };
}

/** Parses a JSON body; anything but a JSON object is a 400. */
export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === "") throw new ApiError("invalid_request", "Request body must be a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ApiError("invalid_request", "Request body is not valid JSON.");
  }
  if (!isRecord(value)) throw new ApiError("invalid_request", "Request body must be a JSON object.");
  return value;
}
