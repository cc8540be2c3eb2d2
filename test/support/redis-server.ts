/** The private redis-server lives with the scripts: `npm run dev` starts one too. */
export { freePort, RedisCluster, RedisServer } from "../../scripts/redis-server.js";
