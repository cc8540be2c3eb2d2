/**
 * `npm run deploy` as a team first meets it: --help, and a dry run on a fresh checkout with no
 * credentials and no build output.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/build.js";
import { OPTIONS } from "../../scripts/deploy/options.js";

const run = promisify(execFile);
const WX_SECRET = "wx-secret-never-printed-0001";
const dirs: string[] = [];
/** Built by the dry run below, as a fresh checkout's first command would. */
let freshDist = "";

/** The environment of a developer with no cloud credentials, but a function secret set. */
function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("TENCENTCLOUD_") && !k.startsWith("SCF_")) out[k] = v;
  }
  return { ...out, WX_SECRET, WX_APPID: "wx0123456789abcdef" };
}

async function deploy(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "deploy", "--", ...args], {
      cwd: ROOT,
      env: env(),
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("npm run deploy", () => {
  it("--help lists every option", async () => {
    const { code, out } = await deploy("--help");
    expect(code).toBe(0);
    for (const name of Object.keys(OPTIONS)) expect(out).toContain(`--${name}`);
  }, 60_000);

  it("--dry-run on a fresh checkout builds, then prints the whole plan without credentials or values", async () => {
    const dist = mkdtempSync(path.join(tmpdir(), "wxclaw-fresh-dist-"));
    dirs.push(dist);
    freshDist = dist;
    const { code, out } = await deploy("--dry-run", "--dist", dist);
    expect(code, out).toBe(0);
    expect(existsSync(path.join(dist, "routes.json"))).toBe(true);
    expect(out).toContain("planned against an empty account");
    expect(out).toContain("create   function wxclaw-chat (web");
    expect(out).toContain("function URL: assigned on create");
    expect(out).toContain("/api/conversations/* → wxclaw-conversations:live");
    expect(out).toMatch(/missing\s+TENCENTCLOUD_SECRETID/);
    expect(out).toMatch(/set\s+WX_SECRET \[login, chat/);
    expect(out).toContain("create   custom domain (SCF_DOMAIN), HTTPS only");
    expect(out).toContain("Dry run: nothing changed.");
    expect(out).not.toContain(WX_SECRET);
  }, 180_000);

  it("with --skip-build and no build output, says to build first", async () => {
    const dist = mkdtempSync(path.join(tmpdir(), "wxclaw-empty-dist-"));
    dirs.push(dist);
    const { code, out } = await deploy("--dry-run", "--skip-build", "--dist", dist);
    expect(code).toBe(1);
    expect(out).toContain("run npm run build first");
  }, 60_000);

  it("refuses to deploy without credentials, naming what is missing", async () => {
    expect(freshDist).not.toBe("");
    const { code, out } = await deploy("--skip-build", "--dist", freshDist);
    expect(code).toBe(1);
    expect(out).toContain("Not deploying:");
    expect(out).toContain("TENCENTCLOUD_SECRETKEY: missing");
    expect(out).toContain("WX_SECRET");
    expect(out).not.toContain(WX_SECRET);
  }, 60_000);
});
