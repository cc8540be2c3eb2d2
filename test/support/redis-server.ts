/** The private redis-server lives with the scripts: `npm run dev` starts one too. */
export { freePort, RedisServer } from "../../scripts/redis-server.js";
