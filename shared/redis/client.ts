/**
 * One ioredis client per instance and URL, reused across warm invocations. Timeouts are short
 * and the retry budget tiny, so with Redis gone a request fails in well under a second (503)
 * instead of hanging until SCF kills the instance; reconnection is automatic when it is back.
 */
import { Redis } from "ioredis";
import { ApiError } from "../errors.js";

/** Per command, queued ones included: the 503 must come within about a second. */
const COMMAND_TIMEOUT_MS = 700;
const CONNECT_TIMEOUT_MS = 700;

const clients = new Map<string, Redis>();

export function redisClient(url: string): Redis {
  let client = clients.get(url);
  if (!client) {
    client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Queued commands fail after one reconnect attempt rather than waiting for Redis.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      // A freshly connected socket is used at once: the INFO ready-check would cost a round trip.
      enableReadyCheck: false,
      keepAlive: 10_000,
      retryStrategy: (attempt) => Math.min(25 * 2 ** attempt, 500),
    });
    // Failures surface on the commands themselves; without a listener ioredis prints to stderr.
    client.on("error", () => {});
    clients.set(url, client);
  }
  return client;
}

/** Closes every client (tests, and the dev server on exit). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * Runs Redis work and turns any failure into 503. A timed-out command may mean a socket that
 * died while the instance was frozen, so the client is told to reconnect.
 */
export async function withRedis<T>(client: Redis, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    // Work that mixes Redis with other calls may fail for its own, already classified, reasons.
    if (e instanceof ApiError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/timed out/i.test(message) && client.status === "ready") client.disconnect(true);
    throw new ApiError("unavailable", "A backing service is unavailable; try again shortly.", {
      operatorNote: `redis: ${message}`,
      cause: e,
    });
  }
}
