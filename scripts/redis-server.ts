/**
 * A private redis-server on a free port, with no persistence, killed afterwards: for the tests
 * (which never use a Redis someone else started, and stop and restart it to prove fault
 * handling) and for `npm run dev` when REDIS_URL is not set; and a private Redis Cluster of
 * three masters for the cluster pass of the tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export function findRedisServer(): string {
  const candidates = [
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "redis-server")),
    "/usr/sbin/redis-server",
    "/usr/local/bin/redis-server",
    "/opt/homebrew/bin/redis-server",
  ];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) {
    throw new Error(
      "redis-server was not found on PATH. Install Redis 6+ (Debian/Ubuntu: `apt-get install redis-server`, " +
        "macOS: `brew install redis`); the tests start their own private server.",
    );
  }
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(300);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export interface RedisServerOptions {
  /**
   * Keep the data across stop/resume in this folder (append-only file, fsync on every write),
   * so that a test can kill the server mid-traffic and then inspect what had been written.
   */
  persistDir?: string;
}

export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), findRedisServer(), options);
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port. */
  async resume(): Promise<void> {
    if (this.child) return;
    const storage = this.options.persistDir
      ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", this.options.persistDir]
      : ["--appendonly", "no", "--dir", "/tmp"];
    this.child = spawn(this.binary, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", ...storage], {
      stdio: "ignore",
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Kills the server at once, as a crash would (its data is gone unless `persistDir` was given). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    // A server that already died (killed from outside, or crashed) emits no further "exit".
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** Freezes the process: connections stay open and nothing answers, like a hung host. */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || taken.has(port) || taken.has(port + 10_000)) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.unref();
      srv.once("error", () => resolve(false));
      srv.listen(port + 10_000, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (bus) return port;
  }
  throw new Error("no free port pair for a cluster node");
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`))));
  });
}

/**
 * A private Redis Cluster of three masters (no replicas) on free ports, from the same
 * redis-server binary, joined with `redis-cli --cluster create`: what REDIS_MODE=cluster is
 * tested against. Its URL names the first node; clients find the others from it.
 */
export class RedisCluster {
  private children: ChildProcess[] = [];

  private constructor(
    readonly ports: number[],
    private readonly binary: string,
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const binary = findRedisServer();
    const dir = mkdtempSync(path.join(tmpdir(), "wxclaw-cluster-"));
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port);
      taken.add(port + 10_000);
      ports.push(port);
    }
    const cluster = new RedisCluster(ports, binary, dir);
    try {
      await cluster.spawnNodes();
      await run(cluster.cli(), [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ]);
      await cluster.ready();
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.ports[0]}`;
  }

  /** Each node's own URL (to watch or count on every node). */
  get nodeUrls(): string[] {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`);
  }

  private cli(): string {
    const beside = path.join(path.dirname(this.binary), "redis-cli");
    return existsSync(beside) ? beside : "redis-cli";
  }

  private async spawnNodes(): Promise<void> {
    this.children = this.ports.map((port) =>
      spawn(
        this.binary,
        [
          ...["--port", String(port), "--bind", "127.0.0.1"],
          ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
          ...["--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", this.dir],
        ],
        { stdio: "ignore" },
      ),
    );
    for (const port of this.ports) {
      const deadline = Date.now() + 10_000;
      while (!(await ping(port))) {
        if (Date.now() > deadline) throw new Error(`cluster node on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** Until every node reports the cluster ok with all slots assigned. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (const port of this.ports) {
      for (;;) {
        const info = await run(this.cli(), ["-p", String(port), "cluster", "info"]);
        if (info.includes("cluster_state:ok") && info.includes("cluster_slots_assigned:16384")) break;
        if (Date.now() > deadline) throw new Error(`cluster not ready on ${port}: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Kills every node at once, as a crash would; the nodes remember the cluster (resume). */
  async kill(): Promise<void> {
    const children = this.children;
    this.children = [];
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
  }

  /** Starts the nodes again on the same ports; they rejoin as the same (empty) cluster. */
  async resume(): Promise<void> {
    if (this.children.length > 0) return;
    await this.spawnNodes();
    await this.ready();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
