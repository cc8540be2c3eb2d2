/**
 * Starts a real OpenClaw gateway on loopback with a throw-away state folder: its own HOME,
 * OPENCLAW_STATE_DIR and config file, token auth, the OpenAI-compatible endpoint enabled, and
 * one custom model provider as the default agent's model. Everything OpenClaw would fetch from
 * outside (model catalog, update check, channels, LAN discovery, scheduled runs) is switched off.
 * The agents get no tools and no skills, as the deployment guide requires (docs/deploy.md,
 * "4. OpenClaw on a private address"), unless a test gives them local skills (written into the
 * agent's workspace and allowed by name) to see whether a form of user text selects one.
 *
 * The gateway runs in its own process group; a tiny watcher process kills that group when the
 * process that started it goes away for any reason (Ctrl-C, a crash, a failed test run), so no
 * gateway outlives its run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { OpenClawInstall } from "./install.js";

export interface GatewayOptions {
  install: OpenClawInstall;
  /** Bearer token the gateway requires. */
  token: string;
  provider: { url: string; apiKey: string; modelId: string };
  port?: number;
  readyTimeoutMs?: number;
  /** Workspace skills the agent may use (none by default). */
  skills?: LocalSkill[];
}

/** A skill in the agent's workspace: `skills/<name>/SKILL.md`. */
export interface LocalSkill {
  name: string;
  description: string;
  /** The skill's instructions (SKILL.md below its front matter). */
  body: string;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Milliseconds from spawn to the first authorised answer. */
  startupMs: number;
  /** The gateway's recent console output, for diagnosing a failure. */
  output(): string;
  stop(): Promise<void>;
}

export const PROVIDER_ID = "wxtest";

export function gatewayConfig(options: GatewayOptions, port: number, stateDir: string, workspace: string) {
  const { provider } = options;
  const skills = (options.skills ?? []).map((s) => s.name);
  return {
    gateway: {
      mode: "local",
      bind: "loopback",
      port,
      auth: { mode: "token", token: options.token },
      http: { endpoints: { chatCompletions: { enabled: true } } },
    },
    models: {
      mode: "merge",
      catalogRefresh: { enabled: false },
      providers: {
        [PROVIDER_ID]: {
          baseUrl: `${provider.url}/v1`,
          apiKey: provider.apiKey,
          api: "openai-completions",
          models: [
            {
              id: provider.modelId,
              name: "wxclaw test model",
              reasoning: false,
              input: ["text"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128000,
              maxTokens: 4096,
            },
          ],
        },
      },
    },
    // What every Mini Program user's text reaches must not act: the endpoint runs turns as the
    // gateway's owner, and by default the agent has shell, files, config and session tools, and
    // `$skill` or `/skill` in a message would pick a skill. Same settings as docs/deploy.md requires.
    tools: { deny: ["*"] },
    agents: {
      defaults: {
        model: { primary: `${PROVIDER_ID}/${provider.modelId}` },
        skills,
        ...(skills.length > 0 ? { workspace } : {}),
      },
    },
    update: { checkOnStart: false },
    logging: { file: path.join(stateDir, "logs", "openclaw.log") },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Kills process group `pgid` and deletes the state folder once its stdin closes, i.e. when the
 * process that spawned it is gone.
 */
const WATCHER = `
const pgid = Number(process.argv[1]);
const kill = (sig) => { try { process.kill(-pgid, sig); } catch {} };
process.stdin.on("data", () => {});
process.stdin.on("close", () => {
  kill("SIGTERM");
  setTimeout(() => {
    kill("SIGKILL");
    setTimeout(() => { require("node:fs").rmSync(process.argv[2], { recursive: true, force: true }); process.exit(0); }, 500);
  }, 5000);
});`;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startOpenClawGateway(options: GatewayOptions): Promise<RunningGateway> {
  const port = options.port ?? (await freePort());
  const root = mkdtempSync(path.join(tmpdir(), "wxclaw-openclaw-"));
  const home = path.join(root, "home");
  const stateDir = path.join(root, "state");
  const configPath = path.join(root, "openclaw.json");
  const workspace = path.join(root, "workspace");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  for (const skill of options.skills ?? []) {
    const dir = path.join(workspace, "skills", skill.name);
    mkdirSync(dir, { recursive: true });
    const front = `---\nname: ${skill.name}\ndescription: ${JSON.stringify(skill.description)}\n---\n\n`;
    writeFileSync(path.join(dir, "SKILL.md"), `${front}${skill.body}\n`);
  }
  writeFileSync(configPath, `${JSON.stringify(gatewayConfig(options, port, stateDir, workspace), null, 2)}\n`);

  const { node, entry } = options.install;
  // A clean environment: nothing of ours (API keys, proxies, REDIS_URL…) leaks into OpenClaw.
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: home,
    TMPDIR: root,
    TZ: "UTC",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_SKIP_CRON: "1",
    OPENCLAW_SKIP_GMAIL_WATCHER: "1",
    OPENCLAW_SKIP_CANVAS_HOST: "1",
    OPENCLAW_EXEC_SHELL_SNAPSHOT: "0",
  };
  const started = Date.now();
  const child = spawn(node, [entry, "gateway", "run", "--port", String(port), "--bind", "loopback"], {
    env,
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the OpenClaw gateway");
  const watcher = spawn(process.execPath, ["-e", WATCHER, String(pid), root], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watcher.unref();
  // The pipe is the watcher's only link to us; it must not keep this process alive by itself.
  (watcher.stdin as unknown as net.Socket | null)?.unref();

  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-64_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          // already gone
        }
      };
      kill("SIGTERM");
      const force = setTimeout(() => kill("SIGKILL"), 5000);
      await exited(child);
      clearTimeout(force);
      kill("SIGKILL"); // helpers it may have left in its group
      watcher.stdin?.end();
      rmSync(root, { recursive: true, force: true });
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.readyTimeoutMs ?? 120_000);
  try {
    while (true) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the OpenClaw gateway exited (${child.exitCode ?? child.signalCode}):\n${tail}`);
      }
      if (Date.now() > deadline) throw new Error(`the OpenClaw gateway was not ready in time:\n${tail}`);
      const status = await fetch(`${url}/v1/models`, {
        headers: { authorization: `Bearer ${options.token}` },
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, startupMs: Date.now() - started, output: () => tail, stop };
}
