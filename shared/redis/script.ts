/**
 * A Lua script (its own .lua file, inlined at build time), run by hash and loaded on first use
 * on each server: one round trip when cached. Each script gets one typed caller, with its keys
 * and arguments named, and its reply checked against a schema before anyone reads it.
 */
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import type { RedisClient } from "./client.js";

export type ScriptArg = string | number;

export interface ScriptSpec<K extends string, A extends string, R extends z.ZodMiniType> {
  /** For error messages: which script answered something unexpected. */
  name: string;
  lua: string;
  /** KEYS, in order: every key the script touches (one hash slot). */
  keys: readonly K[];
  /** ARGV, in order. */
  args: readonly A[];
  reply: R;
}

export interface ScriptInput<K extends string, A extends string> {
  keys: Record<K, string>;
  args: Record<A, ScriptArg>;
}

export interface ScriptCaller<K extends string, A extends string, R extends z.ZodMiniType> {
  (client: RedisClient, input: ScriptInput<K, A>): Promise<z.infer<R>>;
  /** For scripts over a list of keys: `extraKeys` follow the named keys, `extraArgs` the named args. */
  withExtra(
    client: RedisClient,
    input: ScriptInput<K, A> & { extraKeys: readonly string[]; extraArgs: readonly ScriptArg[] },
  ): Promise<z.infer<R>>;
}

/** A reply that does not match its schema: a bug, or a server that is not ours. */
export class ScriptReplyInvalid extends Error {}

async function evaluate(client: RedisClient, lua: string, sha: string, keys: string[], args: ScriptArg[]) {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith("NOSCRIPT")) throw e;
    return client.eval(lua, keys.length, ...keys, ...args);
  }
}

export function defineScript<K extends string, A extends string, R extends z.ZodMiniType>(
  spec: ScriptSpec<K, A, R>,
): ScriptCaller<K, A, R> {
  const sha = createHash("sha1").update(spec.lua).digest("hex");
  const run = async (client: RedisClient, keys: string[], args: ScriptArg[]) => {
    const raw = await evaluate(client, spec.lua, sha, keys, args);
    const parsed = z.safeParse(spec.reply, raw);
    if (!parsed.success) throw new ScriptReplyInvalid(`${spec.name}: unexpected reply (${parsed.error.message})`);
    return parsed.data;
  };
  const named = (input: ScriptInput<K, A>) => ({
    keys: spec.keys.map((k) => input.keys[k]),
    args: spec.args.map((a) => input.args[a]),
  });
  const caller = (client: RedisClient, input: ScriptInput<K, A>) => {
    const { keys, args } = named(input);
    return run(client, keys, args);
  };
  caller.withExtra = (
    client: RedisClient,
    input: ScriptInput<K, A> & { extraKeys: readonly string[]; extraArgs: readonly ScriptArg[] },
  ) => {
    const { keys, args } = named(input);
    return run(client, [...keys, ...input.extraKeys], [...args, ...input.extraArgs]);
  };
  return caller;
}

/** Lua replies: integers arrive as numbers, bulk strings as strings. */
export const luaInt = z.number().check(z.int());
export const luaStr = z.string();
