/**
 * The local custom domain process that `npm run dev` runs (and restarts on source changes). Its
 * environment, Redis and stand-ins come from the supervisor in scripts/dev.ts, which outlives it.
 */
import { closeRedisClients } from "../../shared/redis/client.js";
import { openApiDocument } from "../openapi/document.js";
import { loadHandlers } from "./functions.js";
import { createGateway, listen } from "./gateway.js";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || "127.0.0.1";
const openapi = JSON.stringify(openApiDocument(), null, 2);
const server = createGateway(await loadHandlers(), (req, res) => {
  if (req.method !== "GET" || req.url !== "/api/openapi.json") return false;
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
  res.end(openapi);
  return true;
});
let bound: number;
try {
  bound = await listen(server, port, host);
} catch (e) {
  const code = (e as NodeJS.ErrnoException).code;
  console.error(
    `[dev] Cannot listen on ${host}:${port} (${code ?? "error"}): set PORT to a free port, or HOST to an address of this machine.`,
  );
  process.exit(1);
}
console.log(`[dev] API listening on http://${host}:${bound}`);

async function shutdown(): Promise<void> {
  server.close();
  server.closeAllConnections();
  await closeRedisClients();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
