/**
 * The SSM SDK in the built functions: bundled apart into dist/<name>/ssm.js for the functions
 * that can read a secret from SSM, required from beside the bundle only when a secret is
 * configured to come from SSM. Bundles run as SCF runs them: alone, in a fresh Node process.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { type BundleReport, buildFunction, functionNames, SSM_FILE } from "../../../scripts/build.js";
import { type OpenClawStandin, startOpenClawStandin } from "../../../scripts/standins/openclaw.js";
import { type SsmStandin, startSsmStandin } from "../../../scripts/standins/ssm.js";
import { startWechatStandin, type WechatStandin } from "../../../scripts/standins/wechat.js";
import { SECRET_SOURCES } from "../../../shared/config.js";
import { variablesOfFunction } from "../../../shared/needs.js";
import { urlEvent } from "../../support/events.js";
import { parseAs } from "../../support/json.js";
import { readEvents } from "../../support/sse.js";
import { setEnv, TEST_APPID, testRedisEnv, uniquePrefix } from "../../support/stack.js";
import { loginAs } from "../../support/users.js";
import { runWebFunction, type WebFunction } from "../../support/web-function.js";

const run = promisify(execFile);

const WX_SECRET = `wx-secret-in-ssm-${randomBytes(8).toString("hex")}`;
const OPENCLAW_TOKEN = `oc-token-in-ssm-${randomBytes(8).toString("hex")}`;
const role = {
  secretId: `AKID${randomBytes(12).toString("hex")}`,
  secretKey: randomBytes(20).toString("base64"),
  token: `role-token-${randomBytes(24).toString("hex")}`,
};
const roleEnv = {
  TENCENTCLOUD_SECRETID: role.secretId,
  TENCENTCLOUD_SECRETKEY: role.secretKey,
  TENCENTCLOUD_SESSIONTOKEN: role.token,
};
/** Strings only the SDK carries: its signing scheme and its service domain. */
const SDK_MARKERS = ["TC3-HMAC-SHA256", "tencentcloudapi.com"];

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let ssm: SsmStandin;
const built = new Map<string, BundleReport>();

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: WX_SECRET });
  openclaw = await startOpenClawStandin({ token: OPENCLAW_TOKEN, streamDelayMs: 2 });
  ssm = await startSsmStandin({
    ...role,
    region: "ap-guangzhou",
    secrets: { "wx-secret": WX_SECRET, "openclaw-token": OPENCLAW_TOKEN },
  });
  const out = mkdtempSync(path.join(tmpdir(), "wxclaw-ssm-build-"));
  for (const report of await Promise.all(functionNames().map((n) => buildFunction(n, out)))) {
    built.set(report.name, report);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([wechat.close(), openclaw.close(), ssm.close()]);
});

/** A copy of the function's build output alone in a fresh folder, optionally without ssm.js. */
function isolated(name: string, { withSsm = true } = {}): string {
  const report = built.get(name);
  if (!report) throw new Error(`${name} was not built`);
  const dir = mkdtempSync(path.join(tmpdir(), `wxclaw-${name}-`));
  cpSync(path.dirname(report.file), dir, { recursive: true });
  if (!withSsm) rmSync(path.join(dir, SSM_FILE));
  return dir;
}

/** What the process below reports: main_handler's answers, and whether ssm.js was loaded. */
const Invoked = z.object({
  out: z.array(z.object({ statusCode: z.number(), body: z.string() })),
  ssmLoaded: z.boolean(),
});

/** Invokes index.js's main_handler in a new process; also says whether ssm.js was ever loaded. */
async function invoke(dir: string, events: unknown[], env: Record<string, string>) {
  const script = `
    const { main_handler } = require("./index.js");
    (async () => {
      const out = [];
      for (const e of JSON.parse(process.env.EVENTS)) out.push(await main_handler(e, { request_id: "scf" }));
      const ssmLoaded = Object.keys(require.cache).some((f) => f.endsWith("${SSM_FILE}"));
      process.stderr.write(JSON.stringify({ out, ssmLoaded }));
      process.exit(0);
    })();`;
  const { stdout, stderr } = await run(process.execPath, ["-e", script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", EVENTS: JSON.stringify(events), ...env },
  });
  const parsed = parseAs(Invoked, stderr);
  return { ...parsed, stdout };
}

const loginEnv = () => ({
  ...testRedisEnv(),
  REDIS_KEY_PREFIX: uniquePrefix(),
  WX_APPID: TEST_APPID,
  WX_API_BASE: wechat.url,
});
const loginEvent = () =>
  urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: `dee:${Math.random()}` }, base64: true });

describe("dist bundles and ssm.js", () => {
  it("ship ssm.js exactly for the functions whose configuration can name an SSM secret", async () => {
    const ssmNames = new Set<string>(Object.values(SECRET_SOURCES));
    const shipped: string[] = [];
    for (const name of functionNames()) {
      const canUseSsm = variablesOfFunction(name).some((v) => ssmNames.has(v));
      const hasFile = existsSync(path.join(path.dirname(built.get(name)?.file ?? ""), SSM_FILE));
      expect(hasFile, name).toBe(canUseSsm);
      if (hasFile) shipped.push(name);
    }
    // Login reads WeChat's secret; the chat paths read OpenClaw's token (and WeChat's, for the content check).
    expect(shipped.sort()).toEqual(["chat", "chat-stream", "login"]);
  });

  it("keep the SDK out of every main bundle; only ssm.js carries it", () => {
    for (const report of built.values()) {
      const main = readFileSync(report.file, "utf8");
      for (const marker of SDK_MARKERS) expect(main, `${report.name}: ${marker}`).not.toContain(marker);
      if (report.ssm) {
        const apart = readFileSync(report.ssm.file, "utf8");
        for (const marker of SDK_MARKERS) expect(apart, `${report.name}/ssm.js: ${marker}`).toContain(marker);
        expect(main).toContain(`require("./${SSM_FILE}")`);
      }
    }
  });

  it("log in with WX_SECRET fetched through ssm.js, signed with the role's credentials", async () => {
    const before = ssm.calls.length;
    const { out, ssmLoaded, stdout } = await invoke(isolated("login"), [loginEvent(), loginEvent()], {
      ...loginEnv(),
      ...roleEnv,
      WX_SECRET_SSM_NAME: "wx-secret",
      SSM_REGION: "ap-guangzhou",
      SSM_ENDPOINT: ssm.url,
    });
    expect(out.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(ssmLoaded).toBe(true);
    expect(ssm.calls.slice(before)).toEqual([
      { secretName: "wx-secret", versionId: "SSM_Current", region: "ap-guangzhou", withToken: true },
    ]);
    for (const value of [WX_SECRET, role.secretKey, role.token]) expect(stdout).not.toContain(value);
  });

  it("run without ssm.js, never loading it, while no secret comes from SSM", async () => {
    const dir = isolated("login", { withSsm: false });
    const plain = await invoke(dir, [loginEvent()], { ...loginEnv(), WX_SECRET });
    expect(plain.out[0]?.statusCode).toBe(200);
    expect(plain.ssmLoaded).toBe(false);

    const configured = await invoke(dir, [loginEvent()], {
      ...loginEnv(),
      ...roleEnv,
      WX_SECRET_SSM_NAME: "wx-secret",
      SSM_REGION: "ap-guangzhou",
      SSM_ENDPOINT: ssm.url,
    });
    expect(configured.out[0]?.statusCode).toBe(503);
    expect(configured.stdout).toContain("ssm.js is missing beside the function's bundle");
  });

  describe("the chat-stream Web function", () => {
    let web: WebFunction | undefined;
    afterAll(() => {
      web?.close();
    });

    it("streams with OPENCLAW_TOKEN fetched through ssm.js beside server.js", async () => {
      const prefix = uniquePrefix();
      setEnv({
        ...testRedisEnv(),
        REDIS_KEY_PREFIX: prefix,
        WX_APPID: TEST_APPID,
        WX_SECRET,
        WX_SECRET_SSM_NAME: undefined,
        WX_API_BASE: wechat.url,
      });
      const token = await loginAs("streamer");
      const dir = isolated("chat-stream");
      const before = ssm.calls.length;
      web = await runWebFunction(dir, {
        ...testRedisEnv(),
        REDIS_KEY_PREFIX: prefix,
        OPENCLAW_BASE_URL: openclaw.url,
        OPENCLAW_TOKEN_SSM_NAME: "openclaw-token",
        SSM_REGION: "ap-guangzhou",
        SSM_ENDPOINT: ssm.url,
        ...roleEnv,
      });
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${web.url}/api/chat/stream`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-wx-session": token },
          body: JSON.stringify({ message: "hi" }),
        });
        expect(res.status).toBe(200);
        expect((await readEvents(res)).at(-1)?.event).toBe("done");
      }
      expect(ssm.calls.slice(before).map((c) => c.secretName)).toEqual(["openclaw-token"]);
    });
  });
});
