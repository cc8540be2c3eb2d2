/**
 * One PING to the Redis in REDIS_URL, over a fresh socket, within a deadline: what the deep
 * health check needs, without bundling a Redis client into the health function (its bundle stays
 * under 50 KB, and a cold health check stays cheap). Speaks just enough RESP for AUTH and PING.
 */
import net from "node:net";
import tls from "node:tls";

export class RedisProbeFailed extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RedisProbeFailed";
  }
}

const command = (...parts: string[]) =>
  `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`;

/** Resolves when the server answers PONG; rejects with a reason that never holds the password. */
export function pingRedis(redisUrl: string, deadlineMs: number): Promise<void> {
  const url = new URL(redisUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || 6379);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const hello = password ? (user ? command("AUTH", user, password) : command("AUTH", password)) : "";
  const expected = password ? 2 : 1;

  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === "rediss:" ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    let buffered = "";
    const finish = (error?: RedisProbeFailed) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new RedisProbeFailed("no answer before the deadline")), deadlineMs);
    socket.once(url.protocol === "rediss:" ? "secureConnect" : "connect", () => {
      socket.write(hello + command("PING"));
    });
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      const replies = buffered.split("\r\n").filter((l) => l !== "");
      const failed = replies.find((r) => r.startsWith("-"));
      // The server's own words (e.g. "-WRONGPASS ...") name the problem without echoing our secret.
      if (failed) finish(new RedisProbeFailed(failed.slice(1, 80)));
      else if (replies.length >= expected) {
        if (replies[expected - 1] === "+PONG") finish();
        else finish(new RedisProbeFailed("unexpected reply to PING"));
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => finish(new RedisProbeFailed(e.code ?? e.name)));
    socket.on("close", () => finish(new RedisProbeFailed("connection closed")));
  });
}
