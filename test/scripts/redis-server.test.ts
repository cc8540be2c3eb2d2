/** The private redis-server's lifecycle, as the tests and `npm run dev` use it. */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { RedisServer } from "../../scripts/redis-server.js";

/** Asks the server to exit on its own, as a crash or an operator would end it. */
function shutdown(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write("SHUTDOWN NOSAVE\r\n"));
    socket.on("close", () => resolve());
    socket.on("error", () => undefined);
  });
}

describe("the private redis-server", () => {
  it("stops at once when the server has already exited by itself", async () => {
    const server = await RedisServer.start();
    await shutdown(server.port);
    // Let Node reap the process, so its "exit" event is already past when stop() is called.
    await new Promise((r) => setTimeout(r, 300));
    const stopped = await Promise.race([
      server.stop().then(() => "stopped"),
      new Promise((r) => setTimeout(() => r("still waiting"), 2_000)),
    ]);
    expect(stopped).toBe("stopped");
  });
});
