/**
 * The server of every SCF Web function (scf_bootstrap runs `server.js`, which calls
 * `startWebServer`). With request multi-concurrency one process serves many requests at once, so
 * nothing one request does may take it down: a client that hangs up, trickles bytes or sends
 * garbage costs its own request only. Per-request state lives in the request's own closure.
 *
 * Last resort: an unhandled rejection is logged and serving goes on; an uncaught exception
 * leaves the process in an unknown state, so it stops accepting, lets in-flight requests finish
 * and exits non-zero (SCF then starts a fresh instance).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import { describeError, Logger, parseLogLevel } from "../log.js";
import type { MainHandler } from "./handler.js";
import { ClientGone, readCappedBody, toEvent } from "./node.js";
import { COMMON_HEADERS } from "./response.js";

export type WebHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export interface WebServerOptions {
  port?: number;
  host?: string;
  /** Time allowed for a request's headers to arrive. */
  headersTimeoutMs?: number;
  /**
   * Time allowed for a whole request (headers and body) to arrive. It stops counting once the
   * request is in, so replies may take as long as the function's own timeout allows.
   */
  requestTimeoutMs?: number;
  /** How often Node checks the two timeouts above. */
  checkIntervalMs?: number;
  /** Longest wait for in-flight requests before a failing process exits anyway. */
  drainMs?: number;
}

/**
 * A body of at most 64 KiB needs seconds even on a poor mobile link; SCF's front end sits before
 * us too. These bound a slow-loris connection without touching the reply's own duration.
 */
const DEFAULTS = {
  port: 9000,
  host: "0.0.0.0",
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  drainMs: 30_000,
};

/**
 * The request id of a Web function's request. SCF adds `x-scf-request-id` to every request;
 * run elsewhere, the server adds one as SCF would, so the handler and the server's own log lines
 * name the same id.
 */
export function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers["x-scf-request-id"];
  if (typeof given === "string" && given !== "") return given.slice(0, 128);
  const id = randomUUID();
  req.headers["x-scf-request-id"] = id;
  return id;
}

/** Serves an event function's `main_handler` over HTTP: the same pipeline, one request each. */
export function jsonHandler(main: MainHandler): WebHandler {
  return async (req, res) => {
    const requestId = requestIdOf(req);
    const body = await readCappedBody(req);
    const out = await main(toEvent(req, body), { request_id: requestId });
    // The turn is done and recorded; a client that left meanwhile can replay it by its retry id.
    if (res.destroyed) throw new ClientGone("closed before the response was written");
    res.writeHead(out.statusCode, out.headers);
    res.end(out.body);
  };
}

/** The pipeline's common headers (nosniff, no-store) go on the server's own answers too. */
const JSON_HEAD = `Content-Type: application/json; charset=utf-8\r\n${Object.entries(COMMON_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join("")}Connection: close\r\n`;

/** What Node's parser reports, answered as a plain status with the contract's JSON body. */
function clientErrorReply(code: string | undefined): string {
  const [status, text, message] =
    code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "The request took too long to arrive."]
      : code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "Request headers are too large."]
        : [400, "Bad Request", "Malformed HTTP request."];
  const body = JSON.stringify({ error: message, code: "invalid_request" });
  return `HTTP/1.1 ${status} ${text}\r\n${JSON_HEAD}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function startWebServer(fn: string, handler: WebHandler, options: WebServerOptions = {}): http.Server {
  const o = { ...DEFAULTS, port: Number(process.env.PORT) || DEFAULTS.port, ...options };
  const log = new Logger(parseLogLevel(process.env.LOG_LEVEL)).child({ fn });
  let inFlight = 0;
  let draining = false;

  const server = http.createServer(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      connectionsCheckingInterval: o.checkIntervalMs,
    },
    (req, res) => {
      inFlight++;
      const requestId = requestIdOf(req);
      if (draining) res.setHeader("Connection", "close");
      res.once("close", () => {
        inFlight--;
        if (draining) drainStep();
      });
      handler(req, res).catch((e: unknown) => {
        const reqLog = log.child({ requestId });
        if (e instanceof ClientGone) {
          reqLog.info("client hung up", { method: req.method, reason: e.reason });
          res.destroy();
          return;
        }
        // Handlers answer every expected failure themselves; this is a bug, but one request's.
        reqLog.error("request failed outside the pipeline", { method: req.method, ...describeError(e) });
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        res.writeHead(500, {
          ...COMMON_HEADERS,
          "Content-Type": "application/json; charset=utf-8",
          "X-Request-Id": requestId,
        });
        res.end(JSON.stringify({ error: "Internal error; it has been logged.", code: "internal" }));
      });
    },
  );
  server.keepAliveTimeout = 65_000;

  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const reason = err.code ?? err.message;
    if (err.code === "ECONNRESET" || !socket.writable) {
      log.info("client hung up", { reason });
      socket.destroy();
      return;
    }
    log.warn("malformed or too slow request refused", { reason });
    socket.end(clientErrorReply(err.code));
  });

  let exitCode = 0;
  function drainStep() {
    server.closeIdleConnections();
    if (inFlight === 0) process.exit(exitCode);
  }
  function drain(code: number, why: string) {
    if (draining) return;
    draining = true;
    exitCode = code;
    log.write(code === 0 ? "info" : "error", "stopping: draining in-flight requests", { why, inFlight });
    server.close();
    setTimeout(() => {
      log.error("stopping: drain took too long, exiting", { inFlight });
      process.exit(code || 1);
    }, o.drainMs);
    drainStep();
  }

  process.on("unhandledRejection", (reason) => {
    log.error("unhandled rejection (serving goes on)", describeError(reason));
  });
  process.on("uncaughtException", (e) => {
    log.error("uncaught exception", describeError(e));
    drain(1, "uncaught exception");
  });
  process.once("SIGTERM", () => drain(0, "SIGTERM"));

  server.on("error", (e) => {
    log.error("server failed", describeError(e));
    process.exit(1);
  });
  server.listen(o.port, o.host, () => {
    log.info("listening", { port: o.port });
  });
  return server;
}
