/**
 * Environment for in-process function tests: the private Redis with a key prefix of the file's
 * own, and the local stand-ins. Functions read process.env at each invocation.
 */
import { randomBytes } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { inject } from "vitest";
import { userIdOfToken } from "../../shared/auth/session.js";
import type { RedisClient } from "../../shared/redis/client.js";
import { redisKeys, type UserKeys } from "../../shared/redis/keys.js";

export const TEST_APPID = "wx-test-app";
export const TEST_SECRET = `wxsecret-${randomBytes(8).toString("hex")}`;
export const TEST_OPENCLAW_TOKEN = `oc-token-${randomBytes(8).toString("hex")}`;

export function uniquePrefix(): string {
  return `t${randomBytes(4).toString("hex")}:`;
}

export function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** The shared test Redis as the functions see it: its URL and REDIS_MODE (standalone or cluster). */
export function testRedisEnv(): { REDIS_URL: string; REDIS_MODE: "standalone" | "cluster" } {
  return { REDIS_URL: inject("redisUrl"), REDIS_MODE: inject("redisMode") };
}

/** A plain client for assertions on what the functions stored (a cluster client in cluster mode). */
export function inspector(url = inject("redisUrl"), mode = inject("redisMode")): RedisClient {
  if (mode === "cluster") {
    const u = new URL(url);
    return new Cluster([{ host: u.hostname, port: Number(u.port) }], {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 1 },
    });
  }
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
}

export interface StoredKey {
  key: string;
  ttlMs: number;
  dump: string;
}

async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

/** Every key under `prefix` (on every master of a cluster), with its TTL and a text rendering of its value. */
export async function storedKeys(client: RedisClient, prefix: string): Promise<StoredKey[]> {
  // Braces in a SCAN pattern are plain characters except for glob specials; escape those.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let keys: string[];
  if (client instanceof Cluster) {
    if (client.status === "wait") await client.connect();
    const masters = client.nodes("master");
    keys = (await Promise.all(masters.map((node) => scanAll(node, pattern)))).flat();
  } else {
    keys = await scanAll(client, pattern);
  }
  const out: StoredKey[] = [];
  for (const key of keys.sort()) {
    const type = await client.type(key);
    let dump = "";
    if (type === "string") dump = (await client.get(key)) ?? "";
    else if (type === "hash") dump = JSON.stringify(await client.hgetall(key));
    else if (type === "set") dump = JSON.stringify(await client.smembers(key));
    else if (type === "zset") dump = JSON.stringify(await client.zrange(key, 0, -1, "WITHSCORES"));
    else if (type === "list") dump = JSON.stringify(await client.lrange(key, 0, -1));
    out.push({ key, ttlMs: await client.pttl(key), dump });
  }
  return out;
}

/** The Redis keys of the user a session token belongs to (its user tag names them). */
export function keysOfToken(prefix: string, token: string): UserKeys {
  return redisKeys(prefix).user(userIdOfToken(token));
}
