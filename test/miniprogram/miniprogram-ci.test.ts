/**
 * The project through WeChat's own compiler: miniprogram-ci (DevTools' compiler as an npm
 * package) builds the code package DevTools would upload, its TypeScript plugin included
 * (project.config.json's useCompilerPlugins), with no upload key and no network: every
 * connection its processes try is refused and written down. Then the code it produced (Babel's
 * ES5, not our test compile) is rendered in WeChat's test tool and holds a conversation with
 * the dev stack.
 *
 * The first run installs miniprogram-ci into .cache/ (see support/miniprogram-ci/install.ts).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_BASE_URL } from "../../miniprogram/config";
import type { chatPage } from "../../miniprogram/pages/chat/controller";
import { ROOT } from "../../scripts/build.js";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";
import { ensureMiniprogramCi } from "./support/miniprogram-ci/install";
import { screen, send, shows, textOf } from "./support/screen";
import {
  cacheFolder,
  compiledProject,
  type InstalledDom,
  installDom,
  loadSimulate,
  renderPage,
  type SimComponent,
} from "./support/simulator";
import { installWx } from "./support/wx";

const MP = path.join(ROOT, "miniprogram");
const TOOLS = path.join(ROOT, "test", "miniprogram", "support", "miniprogram-ci");

let out: string;
let networkLog: string;
let compileOutput = "";
let dom: InstalledDom | undefined;
let dev: DevStack | undefined;

beforeAll(async () => {
  const ci = ensureMiniprogramCi();
  out = cacheFolder("miniprogram-ci-output");
  networkLog = `${out}.network.log`;
  mkdirSync(path.dirname(networkLog), { recursive: true });
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(TOOLS, "compile.cjs"), ci, MP, out],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: `--require ${path.join(TOOLS, "no-network.cjs")}`,
          NO_NETWORK_LOG: networkLog,
        },
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    compileOutput = stdout + stderr;
  } catch (e) {
    throw new Error(`miniprogram-ci failed to compile the project:\n${String(e)}`);
  }
}, 600_000);
afterAll(async () => {
  await dev?.stop();
  dom?.remove();
  if (out) rmSync(out, { recursive: true, force: true });
  if (networkLog) rmSync(networkLog, { force: true });
});

function files(dir: string, under = ""): string[] {
  return readdirSync(path.join(dir, under), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(under, e.name);
    return e.isDirectory() ? files(dir, rel) : [rel];
  });
}

describe("the project under miniprogram-ci", () => {
  it("compiles offline and without an upload key, each .ts to a .js, as DevTools packs it", () => {
    const sources = files(MP).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    const result = files(out);
    expect(sources.length).toBeGreaterThan(5);
    for (const ts of sources) expect(result, `${ts} compiled`).toContain(ts.replace(/\.ts$/, ".js"));
    expect(result.filter((f) => f.endsWith(".ts"))).toEqual([]);
    const app: unknown = JSON.parse(readFileSync(path.join(MP, "app.json"), "utf8"));
    const listed: unknown[] =
      typeof app === "object" && app !== null && "pages" in app && Array.isArray(app.pages) ? app.pages : [];
    const pages = listed.filter((p): p is string => typeof p === "string");
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      for (const ext of [".js", ".json", ".wxml", ".wxss"]) expect(result, page + ext).toContain(page + ext);
    }
    // project.config.json was applied: its packOptions leave tsconfig.json and README.md out.
    expect(result).not.toContain("tsconfig.json");
    expect(result).not.toContain("README.md");
    expect(readFileSync(path.join(out, "pages/chat/chat.js"), "utf8")).toMatch(/\bComponent\(/);
  });

  it("tries one address, WeChat's list of allowed file types, and does without it", () => {
    const attempts = existsSync(networkLog)
      ? readFileSync(networkLog, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => line.replace(/^\d+ /, ""))
      : [];
    // Written down here so that a newer version's other calls show up in the failure.
    expect(attempts.length).toBeGreaterThan(0);
    for (const a of attempts) {
      expect(a).toMatch(/^(lookup servicewechat\.com|https:\/\/servicewechat\.com\/wxa\/ci\/getwhiteextlist)$/);
    }
    // Refused here (the stand-in's "not found"), and the compile went on with its built-in list.
    expect(compileOutput).toContain("get white ext list fail Error: getaddrinfo ENOTFOUND servicewechat.com");
    // What needs the key (the project's attributes, fetched with a signature) was never asked for.
    expect(attempts.join("\n")).not.toMatch(/getrandstr|getattr|upload/);
  });

  it("produces code that runs: its chat page, rendered, holds a conversation with the dev stack", async () => {
    dom = installDom();
    const simulate = loadSimulate();
    const compiled = compiledProject(out);
    dev = await startDevStack();
    installWx({ domains: { [API_BASE_URL]: dev.base } });

    const page: SimComponent<ReturnType<typeof chatPage>> = renderPage(simulate, compiled, dom, "pages/chat/chat");
    await page.instance.onLoad({});
    expect(textOf(page.dom)).toContain("Ask the assistant anything.");
    send(page, "Compiled by WeChat");
    await shows(
      () => screen(page),
      ["user: Compiled by WeChat", `assistant: ${standinReply("Compiled by WeChat", 1)}`],
    );
    send(page, "And again");
    await shows(
      () => screen(page),
      [
        "user: Compiled by WeChat",
        `assistant: ${standinReply("Compiled by WeChat", 1)}`,
        "user: And again",
        `assistant: ${standinReply("And again", 2)}`,
      ],
    );
  }, 60_000);
});
