/**
 * Node HTTP ↔ API Gateway event: the SCF Web function (streaming) and the local dev gateway
 * both turn a raw request into the contract §3 event, so one pipeline serves every function.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { MAX_BODY_BYTES } from "./event.js";

/**
 * The client went away (reset, closed, or timed out by the server) before its request body was
 * whole. Not a fault of ours: the Web server logs it at info and answers no one.
 */
export class ClientGone extends Error {
  constructor(readonly reason: string) {
    super(`client hung up: ${reason}`);
    this.name = "ClientGone";
  }
}

/**
 * Reads the body, keeping at most one byte over the cap: enough for the pipeline to answer 413
 * in its turn (after routing) without buffering an attacker's gigabyte. A connection that dies
 * mid-upload rejects with ClientGone, never with a raw socket error.
 */
export async function readCappedBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      if (size <= MAX_BODY_BYTES) chunks.push(buf.subarray(0, MAX_BODY_BYTES + 1 - size));
      size += buf.length;
    }
  } catch (e) {
    const code = e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined;
    throw new ClientGone(`upload broke after ${size} bytes (${code ?? (e instanceof Error ? e.message : "error")})`);
  }
  // Node ends the stream without an error when the socket closes mid-body on some versions.
  if (!req.complete) throw new ClientGone(`upload ended after ${size} bytes`);
  return Buffer.concat(chunks);
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function toEvent(req: http.IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const requestId = first(req.headers["x-scf-request-id"]) ?? first(req.headers["x-api-requestid"]) ?? randomUUID();
  headers["x-api-requestid"] ??= requestId;
  const forwarded = first(req.headers["x-forwarded-for"])?.split(",")[0]?.trim();
  const query = Object.fromEntries(url.searchParams);
  return {
    httpMethod: req.method ?? "GET",
    path: url.pathname,
    headers,
    // API Gateway base64-encodes bodies it does not treat as text; doing it always is equivalent.
    body: body.length ? body.toString("base64") : "",
    isBase64Encoded: body.length > 0,
    queryString: query,
    queryStringParameters: query,
    pathParameters: {},
    headerParameters: {},
    requestContext: {
      serviceId: "service-local",
      path: url.pathname,
      httpMethod: "ANY",
      requestId,
      sourceIp: forwarded || req.socket.remoteAddress || "unknown",
      stage: "release",
      identity: {},
    },
  };
}
