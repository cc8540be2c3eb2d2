/** `npm run dev`: the whole API on one local port, as API Gateway would serve it. */
import { closeRedisClients } from "../shared/redis/client.js";
import { loadHandlers } from "./dev/functions.js";
import { createGateway, listen } from "./dev/gateway.js";

const port = Number(process.env.PORT ?? 3000);
const server = createGateway(await loadHandlers());
const bound = await listen(server, port);
console.log(`wxclaw-gateway dev server on http://127.0.0.1:${bound}`);
console.log(`  curl http://127.0.0.1:${bound}/api/health`);

async function shutdown(): Promise<void> {
  server.close();
  await closeRedisClients();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
