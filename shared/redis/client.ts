/**
 * One ioredis client per instance, URL and mode, reused across warm invocations. Timeouts are
 * short and the retry budget tiny, so with Redis gone a request fails in well under a second
 * (503) instead of hanging until SCF kills the instance; reconnection is automatic when it is back.
 *
 * REDIS_MODE=cluster speaks the Redis Cluster protocol (the URL names one node; the others are
 * found from it). TencentDB for Redis cluster edition is reached through its proxy, which
 * speaks the standalone protocol: see docs/redis.md.
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { ApiError } from "../errors.js";
import { ScriptReplyInvalid } from "./script.js";

export type RedisMode = "standalone" | "cluster";
export type RedisClient = Redis | Cluster;

/** Per command, queued ones included: the 503 must come within about a second. */
const COMMAND_TIMEOUT_MS = 700;
const CONNECT_TIMEOUT_MS = 700;

const CLUSTER_RETRIES = 2;

const clients = new Map<string, RedisClient>();

const connection: RedisOptions = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: COMMAND_TIMEOUT_MS,
  // Queued commands fail after one reconnect attempt rather than waiting for Redis.
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  // A freshly connected socket is used at once: the INFO ready-check would cost a round trip.
  enableReadyCheck: false,
  keepAlive: 10_000,
  retryStrategy: (attempt) => Math.min(25 * 2 ** attempt, 500),
};

function clusterClient(url: string): Cluster {
  const u = new URL(url);
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    maxRedirections: 4,
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
    // Queued commands of a cluster client wait for as long as it keeps retrying: it gives up
    // after a few quick attempts, so that they fail (503) within a second, and the next request
    // builds a fresh client (redisClient) that finds the cluster again once it is back.
    clusterRetryStrategy: (attempt) => (attempt > CLUSTER_RETRIES ? null : 25 * 2 ** attempt),
    redisOptions: {
      ...connection,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      tls: u.protocol === "rediss:" ? {} : undefined,
    },
  });
}

export function redisClient(url: string, mode: RedisMode = "standalone"): RedisClient {
  const id = `${mode} ${url}`;
  let client = clients.get(id);
  // A cluster client that gave up (above) stays closed: replace it.
  if (client && client.status === "end") client = undefined;
  if (!client) {
    client = mode === "cluster" ? clusterClient(url) : new Redis(url, { ...connection, lazyConnect: true });
    // Failures surface on the commands themselves; without a listener ioredis prints to stderr.
    client.on("error", () => {});
    clients.set(id, client);
  }
  return client;
}

/** Closes every client (tests, and the dev server on exit). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
}

/** One connection check at a time per client, however many requests time out together. */
const checking = new WeakSet<RedisClient>();

/**
 * A timed-out command may mean a socket that died while the instance was frozen, or only a slow
 * moment. Dropping the connection at once would fail every other command in flight on it, and a
 * Web function has up to 100 of them; so one PING decides: no answer within the command timeout
 * either, and the client reconnects.
 */
function checkConnection(client: RedisClient): void {
  if (checking.has(client) || client.status !== "ready") return;
  checking.add(client);
  client
    .ping()
    .catch(() => {
      if (client.status === "ready") client.disconnect(true);
    })
    .finally(() => checking.delete(client));
}

/** Runs Redis work and turns any failure into 503. */
export async function withRedis<T>(client: RedisClient, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    // Work that mixes Redis with other calls may fail for its own, already classified, reasons;
    // a script reply that breaks its schema is a bug, not an outage.
    if (e instanceof ApiError || e instanceof ScriptReplyInvalid) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/timed out/i.test(message)) checkConnection(client);
    throw new ApiError("unavailable", "A backing service is unavailable; try again shortly.", {
      operatorNote: `redis: ${message}`,
      cause: e,
    });
  }
}
