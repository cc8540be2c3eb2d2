/**
 * A private redis-server on a free port, with no persistence, killed afterwards: for the tests
 * (which never use a Redis someone else started, and stop and restart it to prove fault
 * handling) and for `npm run dev` when REDIS_URL is not set.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
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
