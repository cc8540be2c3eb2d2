/**
 * `npm run dev`: the whole API on http://127.0.0.1:$PORT with nothing configured.
 * - Redis: REDIS_URL, else a private redis-server on a free port.
 * - WeChat: the real API when WX_APPID and WX_SECRET are set, else the local stand-in.
 * - OpenClaw: OPENCLAW_BASE_URL when set, else the local stand-in.
 * This process owns those and outlives the API process, which restarts on every source change
 * (so sessions survive a reload); Ctrl-C stops everything it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "./build.js";
import { RedisServer } from "./redis-server.js";
import { startOpenClawStandin } from "./standins/openclaw.js";
import { startWechatStandin } from "./standins/wechat.js";

const port = Number(process.env.PORT ?? 3000);
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
const cleanups: Array<() => Promise<void>> = [];
const banner = (lines: string[]) => console.log(`\n${lines.map((l) => `  ${l}`).join("\n")}\n`);

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

const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
const watch = process.env.DEV_NO_WATCH
  ? []
  : ["watch", "--clear-screen=false", "--include", "shared/**/*.ts", "--include", "shared/**/*.lua"];
const api: ChildProcess = spawn(
  process.execPath,
  [tsxCli, ...watch, "--import", "./scripts/lua/register.mjs", path.join("scripts", "dev", "serve.ts")],
  {
    cwd: ROOT,
    env,
    stdio: "inherit",
  },
);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (api.exitCode === null) {
    const exited = new Promise((r) => api.once("exit", r));
    api.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (api.exitCode === null) api.kill("SIGKILL");
  }
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
api.on("exit", (code) => void stop(code ?? 0));
