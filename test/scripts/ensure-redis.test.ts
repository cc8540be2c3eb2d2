import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/build.js";

const script = path.join(ROOT, "scripts", "ensure-redis.sh");
const fakes = mkdtempSync(path.join(os.tmpdir(), "fake-redis-"));
afterAll(() => rmSync(fakes, { recursive: true, force: true }));

/** A folder whose redis-server reports `version`, put first on PATH. */
function pathWithRedis(version: string): string {
  const dir = mkdtempSync(path.join(fakes, "v"));
  const bin = path.join(dir, "redis-server");
  writeFileSync(bin, `#!/bin/sh\necho "Redis server v=${version} sha=00000000:0 malloc=libc bits=64"\n`);
  chmodSync(bin, 0o755);
  return `${dir}${path.delimiter}${process.env.PATH}`;
}

const run = (PATH: string) => spawnSync("bash", [script], { env: { ...process.env, PATH }, encoding: "utf8" });

describe("npm run setup:redis", () => {
  it("says which Redis it found, and where", () => {
    const res = run(pathWithRedis("7.2.4"));
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^setup:redis: Redis 7\.2\.4 found at .*redis-server$/m);
  });

  it("refuses a Redis older than 6, naming the version", () => {
    const res = run(pathWithRedis("5.0.7"));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("Redis 5.0.7; Redis 6 or newer is needed");
  });
});
