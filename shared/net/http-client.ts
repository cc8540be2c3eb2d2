/**
 * Outbound HTTP on node:http with kept-alive sockets reused across warm invocations. A deadline
 * covers the whole exchange (connect, headers, body). Errors never carry the URL, whose query
 * may hold a secret (WeChat's appsecret travels in it).
 */
import http from "node:http";
import https from "node:https";

/**
 * A Web function serves up to 100 requests at once (SCF's request multi-concurrency limit), each
 * holding one upstream socket for its whole turn: a lower cap would queue turns behind others,
 * their deadlines running while they wait.
 */
const MAX_SOCKETS = 128;
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
};

/** Replies larger than this are refused: nothing we call legitimately sends more. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class UpstreamTimeout extends Error {
  constructor() {
    super("deadline passed");
    this.name = "UpstreamTimeout";
  }
}

export class UpstreamUnreachable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "UpstreamUnreachable";
  }
}

export interface OutboundRequest {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Aborts the call early (a client that went away). */
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Opens a request and resolves with the response head; the caller consumes the body. */
export function openRequest(
  url: URL,
  req: OutboundRequest,
): {
  response: Promise<http.IncomingMessage>;
  abort: (why: Error) => void;
  done: () => void;
  timedOut: () => boolean;
} {
  const lib = url.protocol === "https:" ? https : http;
  const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
  let outgoing: http.ClientRequest | undefined;
  let failWith: ((e: Error) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const abort = (why: Error) => {
    if (why instanceof UpstreamTimeout) expired = true;
    failWith?.(why);
    outgoing?.destroy(why);
  };
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    failWith = reject;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    outgoing = lib.request(url, { method: req.method, headers, agent }, resolve);
    outgoing.on("error", (e) => {
      reject(e instanceof UpstreamTimeout ? e : new UpstreamUnreachable((e as NodeJS.ErrnoException).code ?? e.name));
    });
    outgoing.end(req.body);
  });
  timer = setTimeout(() => abort(new UpstreamTimeout()), req.timeoutMs);
  const onAbort = () => abort(new UpstreamUnreachable("aborted by caller"));
  req.signal?.addEventListener("abort", onAbort, { once: true });
  const done = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    req.signal?.removeEventListener("abort", onAbort);
  };
  return { response, abort, done, timedOut: () => expired };
}

/** One request, body read whole (capped), within the deadline. */
export async function fetchText(url: URL, req: OutboundRequest): Promise<HttpResult> {
  const call = openRequest(url, req);
  try {
    const res = await call.response;
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          res.destroy();
          reject(new UpstreamUnreachable("response too large"));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", resolve);
      res.on("error", () => reject(new UpstreamUnreachable("connection reset")));
      res.on("close", () => {
        if (!res.complete) reject(new UpstreamUnreachable("connection closed mid-body"));
      });
    });
    return { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") };
  } catch (e) {
    // Whatever the socket reported as it was torn down, the cause was the deadline.
    throw call.timedOut() ? new UpstreamTimeout() : e;
  } finally {
    call.done();
  }
}
