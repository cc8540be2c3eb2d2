/**
 * `npm run deploy`, run as the CI runs it (a child process with only the given environment).
 * The cloud side cannot be reached from here: the last tests put a stand-in executable where
 * the Components CLI goes, to see what deploy hands it — not whether Tencent accepts it.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { functionNames, ROOT } from "../../scripts/build.js";
import { DEADLINES } from "../../scripts/deploy/plan.js";
import { routes } from "../../shared/routes.js";

const run = promisify(execFile);

/** Values that must never be printed, each unique enough to be found if it were. */
const SECRETS = {
  TENCENT_SECRET_ID: "AKIDtestdeploysecretid0001",
  TENCENT_SECRET_KEY: "tdk-secret-key-must-not-print-7f3a",
  REDIS_URL: "redis://:pw-must-not-print-91c2@10.0.3.7:6379/0",
  WX_SECRET: "wxsecret-must-not-print-55e1",
  OPENCLAW_TOKEN: "octoken-must-not-print-0b9d",
};

const COMPLETE: Record<string, string> = {
  ...SECRETS,
  APIGW_SERVICE_ID: "service-abc123",
  SCF_VPC_ID: "vpc-abc123",
  SCF_SUBNET_ID: "subnet-abc123",
  WX_APPID: "wx0123456789abcdef",
  OPENCLAW_BASE_URL: "http://10.0.1.5:18789",
};

async function deploy(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "--import", "./scripts/lua/register.mjs", "scripts/deploy.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const without = (env: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

function expectNoSecret(output: string): void {
  for (const [name, value] of Object.entries(SECRETS)) expect(output.includes(value), `${name} printed`).toBe(false);
}

// Each run starts a Node process that loads every function from source: seconds, not milliseconds.
describe("npm run deploy", { timeout: 60_000 }, () => {
  it("prints the plan with every function, its path and method and the variable names, and no value", async () => {
    // The longest upstream deadline the timeouts were sized for is accepted.
    const atLimit = { ...COMPLETE, OPENCLAW_TIMEOUT_MS: String(DEADLINES.OPENCLAW_TIMEOUT_MS.maxMs) };
    const r = await deploy(["--dry-run", "--stage", "prod"], atLimit);
    expect(r.code, r.stderr).toBe(0);
    for (const name of functionNames()) {
      const route = routes[name as keyof typeof routes];
      expect(r.stdout).toContain(`${name}-prod-wxclaw-gateway`);
      expect(r.stdout).toContain(`${route.method} ${route.path}`);
    }
    for (const name of Object.keys(COMPLETE)) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain("Dry run: nothing built, nothing deployed.");
    expectNoSecret(r.stdout + r.stderr);
  });

  it('refuses when required variables are unset, empty or "undefined", naming each of them', async () => {
    const env = {
      ...without(COMPLETE, "REDIS_URL", "WX_SECRET", "TENCENT_SECRET_KEY"),
      OPENCLAW_BASE_URL: "undefined",
      APIGW_SERVICE_ID: "",
    };
    const r = await deploy(["--dry-run"], env);
    expect(r.code).toBe(1);
    const refused = r.stderr.slice(r.stderr.indexOf("Not deploying:"));
    for (const name of ["REDIS_URL", "WX_SECRET", "TENCENT_SECRET_KEY", "OPENCLAW_BASE_URL", "APIGW_SERVICE_ID"]) {
      expect(refused).toContain(`${name}: missing`);
    }
    expect(refused).not.toContain("WX_APPID");
    expectNoSecret(r.stdout + r.stderr);
  });

  it("refuses invalid values and deadlines longer than the timeouts allow, by name, without printing them", async () => {
    const bad = "http://not-redis-must-not-print-3c7d";
    const over = String(DEADLINES.OPENCLAW_TIMEOUT_MS.maxMs + 1);
    const r = await deploy(["--dry-run"], { ...COMPLETE, REDIS_URL: bad, OPENCLAW_TIMEOUT_MS: over });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("REDIS_URL: invalid");
    expect(r.stderr).toContain("OPENCLAW_TIMEOUT_MS: invalid");
    expect((r.stdout + r.stderr).includes(bad)).toBe(false);
  });

  it("refuses a stage that cannot be part of a function name", async () => {
    const r = await deploy(["--dry-run", "--stage", "Prod_1;x"], COMPLETE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--stage must match");
  });

  describe("with a stand-in for the Components CLI", () => {
    function standIn(failOnCall?: number): { cli: string; record: string } {
      const dir = mkdtempSync(path.join(tmpdir(), "wxclaw-cli-"));
      const record = path.join(dir, "calls.jsonl");
      const cli = path.join(dir, "components");
      writeFileSync(
        cli,
        `#!${process.execPath}
const fs = require("node:fs");
const calls = fs.existsSync(${JSON.stringify(record)}) ? fs.readFileSync(${JSON.stringify(record)}, "utf8").split("\\n").filter(Boolean).length : 0;
const target = process.argv[process.argv.indexOf("--target") + 1];
fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify({
  args: process.argv.slice(2),
  cwd: process.cwd(),
  instanceFile: fs.existsSync(require("node:path").join(target, "serverless.yml")),
  vendor: process.env.SERVERLESS_PLATFORM_VENDOR,
  runtime: process.env.SCF_RUNTIME,
  region: process.env.SCF_REGION,
  credentials: Boolean(process.env.TENCENT_SECRET_ID && process.env.TENCENT_SECRET_KEY),
}) + "\\n");
process.exit(${failOnCall ?? 0} === calls + 1 ? 1 : 0);
`,
      );
      chmodSync(cli, 0o755);
      return { cli, record };
    }
    const calls = (record: string) =>
      readFileSync(record, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    // One full run, build included; the failing run below reuses its dist/.
    let full: { code: number; stdout: string; stderr: string; calls: Array<Record<string, unknown>> };
    beforeAll(async () => {
      const { cli, record } = standIn();
      const r = await deploy(["--stage", "staging"], { ...COMPLETE, WXCLAW_COMPONENTS_CLI: cli });
      full = { ...r, calls: r.code === 0 ? calls(record) : [] };
    }, 90_000);

    it("builds, then deploys each function's instance in turn for the stage, with Tencent as vendor", () => {
      expect(full.code, full.stderr).toBe(0);
      expect(full.stdout).toContain("| function | bundle |");
      expect(full.calls.map((c) => c.args)).toEqual(
        functionNames().map((n) => ["deploy", "--target", `./${n}`, "--stage", "staging"]),
      );
      for (const c of full.calls) {
        expect(c.cwd).toBe(path.join(ROOT, "deploy"));
        expect(c.instanceFile).toBe(true);
        expect(c.vendor).toBe("tencent");
        expect(c.runtime).toBe("Nodejs18.15");
        expect(c.region).toBe("ap-guangzhou");
        expect(c.credentials).toBe(true);
      }
      expectNoSecret(full.stdout + full.stderr);
    });

    it("stops at the first instance that fails and exits non-zero", async () => {
      const { cli, record } = standIn(2);
      const r = await deploy(["--skip-build"], { ...COMPLETE, WXCLAW_COMPONENTS_CLI: cli, SCF_RUNTIME: "Nodejs20.19" });
      expect(r.code).toBe(1);
      const made = calls(record);
      expect(made).toHaveLength(2);
      expect(made[0]?.runtime).toBe("Nodejs20.19");
      expect(r.stderr).toContain("exited with 1");
    });
  });
});
