/** Logging in through the built login bundle, and the invariants every stored key must keep. */
import * as z from "zod/mini";
import type { RedisClient } from "../../../shared/redis/client.js";
import { userKeyKind } from "../../../shared/redis/keys.js";
import { LoginResponse } from "../../../shared/schemas.js";
import { bodyAs, urlEvent } from "../../support/events.js";
import { parseAs } from "../../support/json.js";
import { storedKeys } from "../../support/stack.js";
import type { BuiltHandler } from "./built.js";

/** storedKeys' renderings: a hash as its fields, a sorted set as its members and scores in turn. */
const HashDump = z.record(z.string(), z.string());
const ZsetDump = z.array(z.string());

let seq = 0;

/** A fresh session token for `name` (a new wx.login code each time). */
export async function loginWith(login: BuiltHandler, name: string): Promise<string> {
  const code = `${name}:${++seq}-${Math.random().toString(36).slice(2)}`;
  const res = await login(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code } }));
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return bodyAs(res, LoginResponse).sessionKey;
}

/**
 * What would be half-written state: a key without TTL or of no known kind, a conversation
 * without upstream key, stored turns or an index entry whose conversation does not exist.
 */
export async function invariantViolations(client: RedisClient, prefix: string): Promise<string[]> {
  const keys = await storedKeys(client, prefix);
  const byName = new Map(keys.map((k) => [k.key, k]));
  const problems: string[] = [];
  for (const k of keys) {
    const name = k.key.slice(prefix.length);
    if (k.ttlMs < 0) problems.push(`no TTL: ${name}`);
    const kind = userKeyKind(prefix, k.key);
    const base = /^\{[0-9a-f]{16}\}:/.exec(name)?.[0] ?? "";
    if (!kind && !/^rl:|^wx:/.test(name)) problems.push(`key of no known kind: ${name}`);
    if (kind === "conversation") {
      const fields = parseAs(HashDump, k.dump);
      if (!fields.key) problems.push(`conversation without upstream key: ${name}`);
    }
    if (kind === "messages" && !byName.has(k.key.slice(0, -":messages".length))) {
      problems.push(`turns without conversation: ${name}`);
    }
    if (kind === "conversations") {
      const members = parseAs(ZsetDump, k.dump).filter((_, i) => i % 2 === 0);
      for (const id of members) {
        if (!byName.has(`${prefix}${base}conv:${id}`))
          problems.push(`index entry without conversation: ${name} → ${id}`);
      }
    }
  }
  return problems;
}
