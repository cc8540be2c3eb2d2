/**
 * A Web function whose handler misbehaves on request, run in its own process by
 * web-server.test.ts: it proves what the shared server does when a handler throws where no
 * try can catch it, and how its timeouts treat slow clients and long replies. Tight timeouts
 * keep the test short.
 */
import { readCappedBody } from "../../../shared/http/node.js";
import { startWebServer } from "../../../shared/http/web-server.js";

let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => {
  release = resolve;
});
process.on("SIGUSR2", () => release());

startWebServer(
  "fault",
  async (req, res) => {
    if (req.url === "/reject") {
      void Promise.reject(new Error("a promise nobody awaited"));
    } else if (req.url === "/throw") {
      setImmediate(() => {
        throw new Error("thrown where no try can catch it");
      });
    } else if (req.url === "/held") {
      // Plain text, not a log line: the test waits for it, and reads only the server's lines as logs.
      process.stdout.write("held request started\n");
      await released;
    } else if (req.url === "/fail") {
      throw new Error("a handler bug, caught by the server");
    } else if (req.url === "/echo") {
      await readCappedBody(req);
    } else if (req.url === "/long") {
      // Longer than the request timeout: the reply's own duration is not bounded by it.
      await new Promise((r) => setTimeout(r, 1500));
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`done ${req.url}`);
  },
  { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100, drainMs: 20_000 },
);
