/**
 * The SCF Web function's server: scf_bootstrap starts it, SCF sends it the HTTP requests API
 * Gateway received. One request at a time per instance, like an event function.
 */
import http from "node:http";
import { request_handler } from "./index.js";

const port = Number(process.env.PORT ?? 9000);
const server = http.createServer((req, res) => {
  void request_handler(req, res);
});
// Replies can take minutes; SCF's function timeout is the real limit.
server.requestTimeout = 0;
server.keepAliveTimeout = 65_000;
server.listen(port, "0.0.0.0", () => {
  process.stdout.write(`${JSON.stringify({ level: "info", msg: "listening", fn: "chat-stream", port })}\n`);
});
