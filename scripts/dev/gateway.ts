/**
 * A local stand-in for Tencent API Gateway: each HTTP request becomes the contract §3 event,
 * goes to the function that owns its route (as the deployed trigger would), and the integrated
 * response is written back. Unknown paths go to any function, whose shared router answers 404/405.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MainHandler } from "../../shared/http/handler.js";
import { pathMatches, type RouteName, routes } from "../../shared/routes.js";

export type Handlers = Partial<Record<RouteName, MainHandler>>;

/** Extra local-only endpoints (the OpenAPI document, for one). */
export type Extra = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

function pickHandler(handlers: Handlers, method: string, path: string): MainHandler | undefined {
  const names = Object.keys(handlers) as RouteName[];
  const exact = names.find((n) => routes[n].method === method && pathMatches(routes[n], path));
  const samePath = names.find((n) => pathMatches(routes[n], path));
  const any = names[0];
  const name = exact ?? samePath ?? any;
  return name ? handlers[name] : undefined;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function toEvent(req: http.IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const requestId = randomUUID();
  headers["x-api-requestid"] = requestId;
  const query = Object.fromEntries(url.searchParams);
  return {
    httpMethod: req.method ?? "GET",
    path: url.pathname,
    headers,
    // API Gateway base64-encodes bodies it does not treat as text; do the same for binary ones.
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
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      stage: "dev",
      identity: {},
    },
  };
}

export function createGateway(handlers: Handlers, extra?: Extra): http.Server {
  return http.createServer(async (req, res) => {
    try {
      if (extra?.(req, res)) return;
      const body = await readBody(req);
      const event = toEvent(req, body);
      const handler = pickHandler(handlers, event.httpMethod, event.path);
      if (!handler) {
        res.writeHead(503, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: "No function is loaded.", code: "unavailable" }));
        return;
      }
      const out = await handler(event, { request_id: randomUUID() });
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
