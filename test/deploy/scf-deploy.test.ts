/**
 * `npm run deploy` against the local SCF API stand-in (scripts/standins/scf.ts), which checks
 * every request's signature, its fields against the SDK's own request interfaces and Tencent's
 * documented values, and keeps the account's state between deploys.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAll } from "../../scripts/build.js";
import { main } from "../../scripts/deploy.js";
import { Manifest } from "../../scripts/manifest.js";
import { type ScfStandin, startScfStandin } from "../../scripts/standins/scf.js";
import { readZip } from "../../scripts/standins/zip-entries.js";

const KEYS = { secretId: "AKIDdeployTEST0001", secretKey: "deploy-secret-key-value-0001", token: "session-token-0001" };
const SECRETS = {
  REDIS_URL: "redis://:redis-password-0001@10.0.0.5:6379/0",
  WX_SECRET: "wx-secret-value-0001",
  OPENCLAW_TOKEN: "openclaw-token-value-0001",
};

let scf: ScfStandin;
let dist: string;
const outputs: string[] = [];

function environment(): NodeJS.ProcessEnv {
  return {
    TENCENTCLOUD_SECRETID: KEYS.secretId,
    TENCENTCLOUD_SECRETKEY: KEYS.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: KEYS.token,
    SCF_REGION: "ap-guangzhou",
    SCF_NAMESPACE: "wxclaw",
    SCF_DOMAIN: "api.example.com",
    SCF_CERTIFICATE_ID: "cert-0001",
    SCF_VPC_ID: "vpc-0001",
    SCF_SUBNET_ID: "subnet-0001",
    SCF_API_ENDPOINT: scf.url,
    WX_APPID: "wx0123456789abcdef",
    OPENCLAW_BASE_URL: "http://10.0.1.5:18789",
    ...SECRETS,
  };
}

async function deploy(...args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), pollMs: 1 };
  const code = await main(["--skip-build", "--dist", dist, ...args], environment(), io);
  const text = lines.join("\n");
  outputs.push(text);
  return { code, text };
}

/** The calls of the next deploy only. */
async function deployCalls(...args: string[]) {
  const from = scf.calls.length;
  const result = await deploy(...args);
  return { ...result, actions: scf.calls.slice(from).map((c) => c.action), calls: scf.calls.slice(from) };
}

const manifestOf = (dir: string) => Manifest.parse(JSON.parse(readFileSync(path.join(dir, "routes.json"), "utf8")));

/** A copy of the build output with its manifest changed by `edit`. */
function variant(edit: (m: Manifest, dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), "wxclaw-dist-"));
  cpSync(dist, dir, { recursive: true });
  const m = manifestOf(dir);
  edit(m, dir);
  writeFileSync(path.join(dir, "routes.json"), JSON.stringify(m));
  return dir;
}

const live = (name: string) => scf.fn(name, "wxclaw")?.aliases.get("live");

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), "wxclaw-dist-"));
  await buildAll(dist);
  scf = await startScfStandin({ ...KEYS, region: "ap-guangzhou", pollsUntilActive: 2 });
}, 180_000);

afterAll(async () => {
  await scf?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe("npm run deploy against the SCF API stand-in", () => {
  it("first deploy: creates the namespace, every function with its version, alias and function URL, and the HTTPS domain", async () => {
    const { code, text, actions } = await deployCalls();
    expect(scf.refused, scf.refused.join("\n")).toEqual([]);
    expect(code, text).toBe(0);
    const manifest = manifestOf(dist);
    expect(actions).toContain("CreateNamespace");
    expect(actions.filter((a) => a === "CreateFunction")).toHaveLength(manifest.functions.length);
    expect(actions.filter((a) => a === "CreateTrigger")).toHaveLength(manifest.functions.length);
    expect(actions.filter((a) => a === "CreateCustomDomain")).toHaveLength(1);

    for (const fn of manifest.functions) {
      const f = scf.fn(`wxclaw-${fn.name}`, "wxclaw");
      expect(f, fn.name).toBeDefined();
      if (!f) continue;
      expect(f.type).toBe(fn.kind === "web" ? "HTTP" : "Event");
      expect(f.runtime).toBe("Nodejs18.15");
      expect(f.memory).toBe(fn.memoryMB);
      expect(f.timeout).toBe(fn.timeoutS);
      expect(f.aliases.get("live")).toBe("1");
      const url = [...f.triggers.values()].find((t) => t.Type === "http");
      expect(url?.Qualifier).toBe("live");
      expect(JSON.parse(url?.TriggerDesc ?? "{}")).toEqual({
        AuthType: "NONE",
        NetConfig: { EnableIntranet: false, EnableExtranet: true },
      });
    }
    // Values reach the functions by name; the VPC holds Redis.
    const login = scf.fn("wxclaw-login", "wxclaw");
    expect(login?.variables).toContainEqual({ Key: "WX_SECRET", Value: SECRETS.WX_SECRET });
    expect(login?.variables.map((v) => v.Key)).not.toContain("OPENCLAW_BASE_URL");
    expect(login?.vpc).toEqual({ VpcId: "vpc-0001", SubnetId: "subnet-0001" });
    expect(login?.reservedMB).toBe(6400);

    const domain = scf.domains.get("api.example.com");
    expect(domain?.Protocol).toBe("HTTPS");
    expect(domain?.CertConfig?.CertificateId).toBe("cert-0001");
    const expected = manifest.functions.flatMap((fn) =>
      fn.pathMatch.map((PathMatch) => ({
        Namespace: "wxclaw",
        FunctionName: `wxclaw-${fn.name}`,
        Qualifier: "live",
        PathMatch,
      })),
    );
    expect(domain?.EndpointsConfig).toEqual(expected);
  });

  it("uploads a Web function whose scf_bootstrap is executable inside the zip", async () => {
    const web = manifestOf(dist).functions.filter((f) => f.kind === "web");
    expect(web.length).toBeGreaterThan(0);
    for (const fn of web) {
      const f = scf.fn(`wxclaw-${fn.name}`, "wxclaw");
      const entries = await readZip(f?.zip ?? Buffer.alloc(0));
      const bootstrap = entries.find((e) => e.name === "scf_bootstrap");
      expect(bootstrap?.mode).toBe(0o100755);
      expect(entries.map((e) => e.name)).toContain("server.js");
    }
  });

  it("second deploy with nothing changed: no create, no code upload, no configuration or domain update; a new version behind the alias", async () => {
    const { code, text, actions } = await deployCalls();
    expect(code, text).toBe(0);
    expect(actions.filter((a) => a.startsWith("Create"))).toEqual([]);
    expect(actions).not.toContain("UpdateFunctionCode");
    expect(actions).not.toContain("UpdateFunctionConfiguration");
    expect(actions).not.toContain("UpdateCustomDomain");
    expect(actions).not.toContain("PutReservedConcurrencyConfig");
    const count = manifestOf(dist).functions.length;
    expect(actions.filter((a) => a === "PublishVersion")).toHaveLength(count);
    expect(actions.filter((a) => a === "UpdateAlias")).toHaveLength(count);
    expect(live("wxclaw-chat")).toBe("2");
    expect(text).toContain("keep     code of wxclaw-chat (same SHA-256, not uploaded)");
  });

  it("--dry-run with credentials reads the account and changes nothing", async () => {
    const { code, text, actions } = await deployCalls("--dry-run");
    expect(code, text).toBe(0);
    expect(actions.filter((a) => !/^(Get|List)/.test(a))).toEqual([]);
    expect(text).toContain("Account: read through 127.0.0.1");
    expect(text).toContain("keep     custom domain api.example.com");
    expect(text).toContain("move     alias live of wxclaw-chat to the new version (from 2)");
  });

  it("--rollback moves every alias back to the previous version, and changes nothing else", async () => {
    const { code, text, actions } = await deployCalls("--rollback");
    expect(code, text).toBe(0);
    expect(live("wxclaw-chat")).toBe("1");
    expect(live("wxclaw-login")).toBe("1");
    const writes = actions.filter((a) => !/^(Get|List)/.test(a));
    expect(writes).toEqual(manifestOf(dist).functions.map(() => "UpdateAlias"));
  });

  it("uploads only the code that changed", async () => {
    const dir = variant((_m, d) => writeFileSync(path.join(d, "me", "index.js"), "\n// changed\n", { flag: "a" }));
    const before = dist;
    dist = dir;
    try {
      const { code, text, calls } = await deployCalls();
      expect(code, text).toBe(0);
      const uploads = calls.filter((c) => c.action === "UpdateFunctionCode").map((c) => c.params.FunctionName);
      expect(uploads).toEqual(["wxclaw-me"]);
    } finally {
      dist = before;
      rmSync(dir, { recursive: true, force: true });
    }
    await deploy();
  });

  it("a kind change creates the function anew under a free name, switches its rules, removes the old one", async () => {
    const dir = variant((m, d) => {
      const health = m.functions.find((f) => f.name === "health");
      if (!health) throw new Error("no health in the manifest");
      health.kind = "web";
      health.entry = "scf_bootstrap";
      health.concurrency = 4;
      cpSync(path.join(dist, "chat-stream", "scf_bootstrap"), path.join(d, "health", "scf_bootstrap"));
      cpSync(path.join(d, "health", "index.js"), path.join(d, "health", "server.js"));
    });
    const before = dist;
    dist = dir;
    try {
      const { code, text, calls } = await deployCalls();
      expect(scf.refused, scf.refused.join("\n")).toEqual([]);
      expect(code, text).toBe(0);
      const created = calls
        .filter((c) => c.action === "CreateFunction")
        .map((c) => [c.params.FunctionName, c.params.Type]);
      expect(created).toEqual([["wxclaw-health-web", "HTTP"]]);
      // Request multi-concurrency from the manifest.
      expect(scf.fn("wxclaw-health-web", "wxclaw")?.maxConcurrency).toBe(4);
      expect(scf.fn("wxclaw-health", "wxclaw")).toBeUndefined();
      const rule = scf.domains.get("api.example.com")?.EndpointsConfig.find((r) => r.PathMatch === "/api/health");
      expect(rule?.FunctionName).toBe("wxclaw-health-web");
      const order = calls.map((c) => c.action);
      expect(order.lastIndexOf("UpdateCustomDomain")).toBeLessThan(order.indexOf("DeleteFunction"));

      // And back: the event function takes the plain name again.
      dist = before;
      const back = await deployCalls();
      expect(back.code, back.text).toBe(0);
      expect(scf.fn("wxclaw-health", "wxclaw")?.type).toBe("Event");
      expect(scf.fn("wxclaw-health-web", "wxclaw")).toBeUndefined();
    } finally {
      dist = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists functions and rules the manifest no longer names, and removes them with --prune", async () => {
    const dir = variant((m) => {
      m.functions = m.functions.filter((f) => f.name !== "me");
    });
    const before = dist;
    dist = dir;
    try {
      const listed = await deployCalls();
      expect(listed.code, listed.text).toBe(0);
      expect(listed.text).toContain("function wxclaw-me is not in the manifest (--prune removes it)");
      expect(listed.text).toContain("domain rule /api/me → wxclaw-me:live is not in the manifest");
      expect(listed.actions).not.toContain("DeleteFunction");
      expect(scf.fn("wxclaw-me", "wxclaw")).toBeDefined();

      const pruned = await deployCalls("--prune");
      expect(pruned.code, pruned.text).toBe(0);
      expect(scf.fn("wxclaw-me", "wxclaw")).toBeUndefined();
      const rules = scf.domains.get("api.example.com")?.EndpointsConfig.map((r) => r.PathMatch);
      expect(rules).not.toContain("/api/me");
      expect(rules).toContain("/api/chat");
    } finally {
      dist = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never prints a credential or a function's secret", () => {
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const value of [KEYS.secretKey, KEYS.token, ...Object.values(SECRETS), "redis-password-0001"]) {
      expect(all).not.toContain(value);
    }
    expect(all).toContain("WX_SECRET");
  });
});
