/**
 * The local API Gateway process that `npm run dev` runs (and restarts on source changes). Its
 * environment, Redis and stand-ins come from the supervisor in scripts/dev.ts, which outlives it.
 */
import { closeRedisClients } from "../../shared/redis/client.js";
import { openApiDocument } from "../openapi/document.js";
import { loadHandlers } from "./functions.js";
import { createGateway, listen } from "./gateway.js";

const port = Number(process.env.PORT ?? 3000);
const openapi = JSON.stringify(openApiDocument(), null, 2);
const server = createGateway(await loadHandlers(), (req, res) => {
  if (req.method !== "GET" || req.url !== "/api/openapi.json") return false;
  res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
  res.end(openapi);
  return true;
});
const bound = await listen(server, port);
console.log(`[dev] API listening on http://127.0.0.1:${bound}`);

async function shutdown(): Promise<void> {
  server.close();
  server.closeAllConnections();
  await closeRedisClients();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
