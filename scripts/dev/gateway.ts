/**
 * A local stand-in for the one SCF custom domain in front of the functions' URLs: a request goes
 * to the function whose PathMatch rule takes its path (shared/path-match.ts, the same rules the
 * deployment writes), an event function gets the function URL event, and a Web function gets the
 * HTTP request proxied to its own server. Like the platform, it sets `x-scf-remote-addr` from the
 * socket and `x-scf-request-id`, replacing whatever the client sent under those names.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionName } from "../../shared/functions.js";
import { REMOTE_ADDR_HEADER } from "../../shared/http/client-address.js";
import { REQUEST_ID_HEADER } from "../../shared/http/event.js";
import { ClientGone, readCappedBody, toEvent } from "../../shared/http/node.js";
import { type DomainRule, domainRules, functionForPath } from "../../shared/path-match.js";
import type { Handlers } from "./functions.js";

/** Extra local-only endpoints (the OpenAPI document, for one). */
export type Extra = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

const JSON_TYPE = "application/json; charset=utf-8";

function answer(res: http.ServerResponse, status: number, body: { error: string; code: string }): void {
  if (!res.headersSent) res.writeHead(status, { "content-type": JSON_TYPE });
  res.end(JSON.stringify(body));
}

/** The headers the platform adds, over any copy the client sent. */
function platformHeaders(req: http.IncomingMessage): { requestId: string } {
  const requestId = randomUUID();
  req.headers[REMOTE_ADDR_HEADER] = req.socket.remoteAddress ?? "";
  req.headers[REQUEST_ID_HEADER] = requestId;
  return { requestId };
}

/** Each Web function's own server on a loopback port, started on first use. */
class WebFunctions {
  private readonly ports = new Map<FunctionName, Promise<number>>();
  private readonly servers: http.Server[] = [];

  constructor(private readonly handlers: Handlers) {}

  port(name: FunctionName): Promise<number> {
    let port = this.ports.get(name);
    if (!port) {
      const loaded = this.handlers[name];
      if (loaded?.kind !== "web") throw new Error(`${name} is not a Web function`);
      // As the Web server does, one request's failure (a client gone mid-upload) stays its own.
      const server = http.createServer((req, res) => {
        loaded.handler(req, res).catch((e: unknown) => {
          if (!(e instanceof ClientGone)) console.error(e);
          res.destroy();
        });
      });
      this.servers.push(server);
      port = listen(server, 0);
      this.ports.set(name, port);
    }
    return port;
  }

  close(): void {
    for (const s of this.servers) {
      s.close();
      s.closeAllConnections();
    }
  }
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, port: number): void {
  const upstream = http.request(
    { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    },
  );
  upstream.on("error", () =>
    answer(res, 502, { error: "The local Web function did not answer.", code: "upstream_error" }),
  );
  // The client leaving must reach the function, as it would on SCF: that is what cancels a turn.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

export function createGateway(handlers: Handlers, extra?: Extra): http.Server {
  const rules: DomainRule[] = domainRules();
  const web = new WebFunctions(handlers);
  const server = http.createServer(async (req, res) => {
    try {
      if (extra?.(req, res)) return;
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const name = functionForPath(rules, path);
      const loaded = name ? handlers[name] : undefined;
      if (!name || !loaded) {
        // On SCF the domain itself answers a path no rule takes; its body is not ours to shape.
        answer(res, 404, { error: "No function serves this path.", code: "not_found" });
        return;
      }
      const { requestId } = platformHeaders(req);
      if (loaded.kind === "web") {
        proxy(req, res, await web.port(name));
        return;
      }
      const body = await readCappedBody(req).catch(() => undefined);
      // A client that left mid-upload gets nothing; the function is never called, as on SCF.
      if (!body) return void res.destroy();
      const out = await loaded.handler(toEvent(req, body), { request_id: requestId });
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
    } catch (e) {
      // The functions never throw; if one does, that is a bug worth seeing loudly.
      console.error(e);
      answer(res, 500, { error: "The local gateway failed.", code: "internal" });
    }
  });
  server.on("close", () => web.close());
  return server;
}

export async function listen(server: http.Server, port: number, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return typeof address === "object" && address ? (address as AddressInfo).port : port;
}
