/** Small helpers shared by the local stand-ins (real HTTP servers on loopback). */
import type http from "node:http";
import type { AddressInfo } from "node:net";

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveOn(server: http.Server, port = 0): Promise<Running> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
