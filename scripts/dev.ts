/**
 * `npm run dev`: the whole API on http://127.0.0.1:$PORT with nothing configured.
 * - Redis: REDIS_URL, else a private redis-server on a free port.
 * - WeChat: the real API when WX_APPID and WX_SECRET are set, else the local stand-in.
 * - OpenClaw: OPENCLAW_BASE_URL when set, else the local stand-in.
 * This process owns those and outlives the API process, which restarts on every source change
 * (so sessions survive a reload). It stops everything it started on SIGINT or SIGTERM (npm
 * forwards both to it: the npm script `exec`s it), and on its own if npm itself disappears.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./build.js";
import { RedisServer } from "./redis-server.js";
import { startOpenClawStandin } from "./standins/openclaw.js";
import { startWechatStandin } from "./standins/wechat.js";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || "127.0.0.1";
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: host };
const cleanups: Array<() => Promise<void>> = [];
const banner = (lines: string[]) => console.log(`\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
let api: ChildProcess | undefined;

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopApi();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}

/** The API runs in its own process group (tsx watch and its node child): the group goes at once. */
async function stopApi(): Promise<void> {
  const child = api;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), sig);
    } catch {
      // Already gone.
    }
  };
  signalGroup("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  signalGroup("SIGKILL");
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));
// npm killed outright (or a terminal closed) leaves this process re-parented: stop then too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 500).unref();

/** Fails fast, before anything starts, when the port is taken. */
async function portIsFree(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

if (!(await portIsFree())) {
  console.error(`[dev] Port ${port} on ${host} is in use: set PORT to a free one, e.g. PORT=${port + 1} npm run dev`);
  process.exit(1);
}

if (!env.REDIS_URL) {
  try {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.stop());
    env.REDIS_URL = redis.url;
    console.log(`[dev] Redis: private redis-server at ${redis.url} (set REDIS_URL to use your own)`);
  } catch (e) {
    console.error(`[dev] ${(e as Error).message}\n[dev] Or set REDIS_URL to a Redis you run.`);
    process.exit(1);
  }
} else {
  console.log("[dev] Redis: REDIS_URL from the environment");
}

if (!env.WX_APPID || !env.WX_SECRET) {
  env.WX_APPID = "wx-dev-standin";
  env.WX_SECRET = randomBytes(16).toString("hex");
  const wechat = await startWechatStandin({ appid: env.WX_APPID, secret: env.WX_SECRET });
  cleanups.push(() => wechat.close());
  env.WX_API_BASE = wechat.url;
  banner([
    `!!! WeChat: LOCAL STAND-IN at ${wechat.url} — not the real WeChat API.`,
    "!!! Any login code works once; a code 'alice:<anything>' logs in the dev user 'alice'.",
    "!!! Set WX_APPID and WX_SECRET to use the real jscode2session.",
  ]);
} else {
  console.log("[dev] WeChat: the real API (WX_APPID/WX_SECRET set)");
}

if (!env.OPENCLAW_BASE_URL) {
  env.OPENCLAW_TOKEN = randomBytes(16).toString("hex");
  const openclaw = await startOpenClawStandin({ token: env.OPENCLAW_TOKEN, streamDelayMs: 40 });
  cleanups.push(() => openclaw.close());
  env.OPENCLAW_BASE_URL = openclaw.url;
  banner([
    `!!! OpenClaw: LOCAL STAND-IN at ${openclaw.url} — it echoes your message, no model.`,
    "!!! Set OPENCLAW_BASE_URL (and OPENCLAW_TOKEN) to talk to a real OpenClaw gateway.",
  ]);
} else {
  console.log("[dev] OpenClaw: OPENCLAW_BASE_URL from the environment");
}

const watch = process.env.DEV_NO_WATCH
  ? []
  : ["watch", "--clear-screen=false", "--include", "shared/**/*.ts", "--include", "shared/**/*.lua"];
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
// Redis scripts are .lua files imported as text (scripts/lua).
const luaText = ["--import", "./scripts/lua/register.mjs"];
api = spawn(process.execPath, [tsxCli, ...watch, ...luaText, path.join("scripts", "dev", "serve.ts")], {
  cwd: ROOT,
  env,
  stdio: "inherit",
  detached: true,
});
api.on("exit", (code) => void stop(code ?? 1));

/** Resolves once the API answers its health route; the first answer is when the banner shows. */
async function listening(): Promise<boolean> {
  const local = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  for (let i = 0; i < 600; i++) {
    if (stopping) return false;
    try {
      const res = await fetch(`http://${local.includes(":") ? `[${local}]` : local}:${port}/api/health`);
      if (res.ok) return true;
    } catch {
      // Not yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

if (!(await listening())) {
  if (!stopping) console.error("[dev] The API did not come up within a minute; stopping.");
  await stop(1);
  // A stop already under way (a signal, the API exiting) ends the process itself.
  await new Promise(() => {});
}

// Before the curl session: that comes last, and whoever waits for it has read this too.
if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === "IPv4" && !a.internal)
    .map((a) => `http://${a?.address}:${port}`);
  banner([
    `!!! HOST=${host}: the API answers beyond this machine, for a phone preview.`,
    "!!! Anyone who can reach this address can use it, and the stand-ins log anyone in.",
    `!!! Reachable at: ${lan.join(", ") || "(no external IPv4 address found)"}`,
    "!!! Unset HOST when you are done.",
  ]);
}

const base = `http://127.0.0.1:${port}`;
const json = "-H 'content-type: application/json'";
banner([
  `Try it (copy-paste into a shell):`,
  ``,
  `TOKEN=$(curl -s -X POST ${base}/api/auth/wx-login ${json} -d "{\\"code\\":\\"alice:$RANDOM\\"}" | sed -E 's/.*"sessionKey":"([0-9a-f]+)".*/\\1/')`,
  `CONV=$(curl -s -X POST ${base}/api/chat -H "x-wx-session: $TOKEN" ${json} -d '{"message":"Hello","conversation_id":null}' | sed -E 's/.*"conversation_id":"([^"]+)".*/\\1/')`,
  `curl -s -X POST ${base}/api/chat -H "x-wx-session: $TOKEN" ${json} -d "{\\"message\\":\\"And again\\",\\"conversation_id\\":\\"$CONV\\"}"`,
  ``,
  `OpenAPI: ${base}/api/openapi.json`,
]);
