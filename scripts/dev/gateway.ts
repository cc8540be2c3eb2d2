/**
 * A local stand-in for Tencent API Gateway: each HTTP request becomes the contract §3 event,
 * goes to the function that owns its route (as the deployed trigger would), and the integrated
 * response is written back. A Web function (streaming) gets the raw request, as SCF gives it.
 * Unknown paths go to any function, whose shared router answers 404/405.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MainHandler } from "../../shared/http/handler.js";
import { readCappedBody, toEvent } from "../../shared/http/node.js";
import type { WebHandler } from "../../shared/http/stream.js";
import { pathMatches, type RouteDef, type RouteName, routes } from "../../shared/routes.js";

export type Handlers = Partial<Record<RouteName, MainHandler | WebHandler>>;

/** Extra local-only endpoints (the OpenAPI document, for one). */
export type Extra = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

function pickRoute(handlers: Handlers, method: string, path: string): RouteName | undefined {
  const names = Object.keys(handlers) as RouteName[];
  const exact = names.find((n) => routes[n].method === method && pathMatches(routes[n], path));
  const samePath = names.find((n) => pathMatches(routes[n], path) && (routes[n] as RouteDef).kind !== "web");
  return exact ?? samePath ?? names.find((n) => (routes[n] as RouteDef).kind !== "web");
}

export function createGateway(handlers: Handlers, extra?: Extra): http.Server {
  return http.createServer(async (req, res) => {
    try {
      if (extra?.(req, res)) return;
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const name = pickRoute(handlers, req.method ?? "GET", path);
      const handler = name ? handlers[name] : undefined;
      if (!name || !handler) {
        res.writeHead(503, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: "No function is loaded.", code: "unavailable" }));
        return;
      }
      if ((routes[name] as RouteDef).kind === "web") {
        await (handler as WebHandler)(req, res);
        return;
      }
      const body = await readCappedBody(req);
      const out = await (handler as MainHandler)(toEvent(req, body), { request_id: randomUUID() });
      res.writeHead(out.statusCode, out.headers);
      res.end(out.isBase64Encoded ? Buffer.from(out.body, "base64") : out.body);
    } catch (e) {
      // The functions never throw; if one does, that is a bug worth seeing loudly.
      console.error(e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: "The local gateway failed.", code: "internal" }));
    }
  });
}

export async function listen(server: http.Server, port: number, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
