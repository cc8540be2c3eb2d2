/** Raw TCP clients that misbehave in the ways a real client on a phone network can. */
import net from "node:net";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the server sends until it closes the connection (or `until` matches). */
export function readAll(socket: net.Socket, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = () => resolve(text);
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      if (until?.test(text)) {
        socket.off("close", done);
        resolve(text);
      }
    });
    socket.once("close", done);
    socket.once("error", () => undefined);
  });
}

/** Sends the head and `sent` bytes of a body announced as `declared` bytes, then resets. */
export async function abortUpload(
  url: string,
  path: string,
  headers: Record<string, string>,
  declared: number,
  sent: number,
): Promise<void> {
  const socket = await connect(url);
  socket.on("error", () => undefined);
  const head = Object.entries({ ...headers, "content-length": String(declared), "content-type": "application/json" })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.write(`POST ${path} HTTP/1.1\r\nhost: localhost\r\n${head}\r\n`);
  socket.write(`{"message":"${"x".repeat(Math.max(0, sent - 13))}`);
  // Let the server start reading the body before the connection dies under it.
  await sleep(50);
  socket.resetAndDestroy();
}

/** Sends bytes as they are and returns what came back before the server closed. */
export async function sendRaw(url: string, bytes: string | Buffer): Promise<string> {
  const socket = await connect(url);
  const reply = readAll(socket);
  socket.write(bytes);
  return reply;
}

/**
 * A slow-loris client: opens a connection, sends `head` at once, trickles `text` one byte every `everyMs`, then
 * holds the connection open (until stopped or the server closes it). `closed` resolves with
 * what the server sent before it closed the connection.
 */
export async function trickle(url: string, text: string, everyMs: number, head = "") {
  const socket = await connect(url);
  socket.on("error", () => undefined);
  let stopped = false;
  const closed = readAll(socket);
  if (head) socket.write(head);
  void (async () => {
    for (const ch of text) {
      if (stopped || socket.destroyed) return;
      socket.write(ch);
      await sleep(everyMs);
    }
  })();
  return {
    closed,
    stop: () => {
      stopped = true;
      socket.destroy();
    },
  };
}
