/** A Lua script run by hash, loaded on first use on each server (one round trip when cached). */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export type ScriptArg = string | number;

export class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(client: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith("NOSCRIPT")) throw e;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
