/**
 * SCF function URL event → a plain request (CONTRACT §3, SCF document 583/96099). The event is
 * API Gateway's shape without `headerParameters`, `isBase64Encoded`, `pathParameters`,
 * `queryStringParameters` and `requestContext`; should any of those ever arrive they are
 * tolerated (a base64 body is decoded) but never trusted: the client's address comes only from
 * `x-scf-remote-addr`. Nothing here trusts the event's shape either: fields may be missing, of
 * the wrong type, or absurd, and decoding still never throws anything but an ApiError.
 */
import { randomUUID } from "node:crypto";
import { ApiError } from "../errors.js";
import { type ClientAddress, clientAddress } from "./client-address.js";

/** The event as a function URL sends it; every field optional because nothing guarantees it. */
export interface FunctionUrlEvent {
  httpMethod?: unknown;
  path?: unknown;
  headers?: unknown;
  body?: unknown;
  queryString?: unknown;
  /** Not part of a function URL event; honoured only to decode the body. */
  isBase64Encoded?: unknown;
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
  /** Query parameters, last value wins. */
  query: Readonly<Record<string, string>>;
  /** The body as text (base64 already decoded); "" when absent. */
  body: string;
  /** Path parameters of the route template (`{id}`), decoded. */
  params: Readonly<Record<string, string>>;
  requestId: string;
  client: ClientAddress;
}

/** Contract §4: bodies over 64 KiB after base64 decoding are refused. */
export const MAX_BODY_BYTES = 65_536;

/** The platform's request id header of a Web function (SCF document 583/123892). */
export const REQUEST_ID_HEADER = "x-scf-request-id";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function stringMap(raw: unknown, lowerCase: boolean): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isRecord(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    const key = lowerCase ? name.toLowerCase() : name;
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "number") out[key] = String(value);
  }
  return out;
}

/** Decoded byte length of a base64 string, without decoding it. */
function base64Bytes(b64: string): number {
  const clean = b64.replace(/[^A-Za-z0-9+/_-]/g, "");
  return Math.floor((clean.length * 3) / 4);
}

function decodeBody(event: FunctionUrlEvent): string {
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

/**
 * Method, path, headers and ids; the body is decoded separately so that routing answers first.
 * `requestId` is the platform's: `context.request_id` for an event function, the
 * `x-scf-request-id` header for a Web function. Without one (never on SCF) a local id is made,
 * so log lines still group.
 */
export function readRequestLine(event: unknown, requestId: string | undefined) {
  const ev: FunctionUrlEvent = isRecord(event) ? event : {};
  const headers = stringMap(ev.headers, true);
  return {
    event: ev,
    method: (str(ev.httpMethod) ?? "").toUpperCase(),
    path: str(ev.path) ?? "",
    headers,
    requestId: (requestId || `local-${randomUUID()}`).slice(0, 128),
    client: clientAddress(headers),
  };
}

export type RequestLine = ReturnType<typeof readRequestLine>;

export function decodeRequest(line: RequestLine, params: Record<string, string> = {}): HttpRequest {
  return {
    params,
    method: line.method,
    path: line.path,
    headers: line.headers,
    query: stringMap(line.event.queryString, false),
    requestId: line.requestId,
    client: line.client,
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
