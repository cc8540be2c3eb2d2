/**
 * Node HTTP → the function URL event (CONTRACT §3): a Web function turns its raw request into
 * the same event an event function receives, so one pipeline serves every function, and the
 * local dev server builds event functions' events with it.
 */
import type http from "node:http";
import { MAX_BODY_BYTES, REQUEST_ID_HEADER } from "./event.js";

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

/** The platform's request id of a Web function's request. */
export const platformRequestId = (req: http.IncomingMessage): string | undefined =>
  first(req.headers[REQUEST_ID_HEADER]);

export function toEvent(req: http.IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    httpMethod: req.method ?? "GET",
    path: url.pathname,
    headers,
    body: body.toString("utf8"),
    queryString: Object.fromEntries(url.searchParams),
  };
}
