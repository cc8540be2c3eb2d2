/**
 * The bare baseline as a Web function would be without any of our code: a node:http server on
 * PORT whose every POST is one bare chat turn (bench/baseline.ts). Bundled like a function.
 */
import http from "node:http";
import { bareChat } from "./baseline.js";

const bare = bareChat({
  redisUrl: String(process.env.REDIS_URL),
  prefix: String(process.env.REDIS_KEY_PREFIX),
  openclawUrl: String(process.env.OPENCLAW_BASE_URL),
  openclawToken: String(process.env.OPENCLAW_TOKEN),
});

http
  .createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const token = req.headers["x-wx-session"];
      const out = await bare.handle({
        headers: { "x-wx-session": typeof token === "string" ? token : "" },
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
    });
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
