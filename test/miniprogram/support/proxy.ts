/**
 * A pass-through HTTP proxy in front of the dev stack, so a test can make the real backend
 * misbehave in one precise way (say, lose every session just before each chat request).
 */
import http from "node:http";
import { type Running, readBody, serveOn } from "../../../scripts/standins/http.js";

export type BeforeForward = (req: { method: string; path: string; headers: http.IncomingHttpHeaders }) => Promise<void>;

export async function startProxy(target: string, before: BeforeForward): Promise<Running> {
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    await before({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    const upstream = http.request(
      new URL(req.url ?? "/", target),
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    upstream.end(body);
  });
  return serveOn(server);
}
