/**
 * A local WeChat API for development and tests, speaking jscode2session's real wire format:
 * HTTP 200 with JSON labelled text/plain, `{openid, session_key, unionid?}` or
 * `{errcode, errmsg}`. It checks appid and secret, and each code works once (40163 after).
 *
 * A code `<name>:<anything>` logs in the stable dev user `<name>`; any other code logs in
 * "dev". Tests can queue scripted answers (errcodes, garbage) and add a delay.
 * It is a development tool: no deployed function points at it.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { type Running, serveOn, sleep } from "./http.js";

export type WechatAnswer = { errcode: number; errmsg?: string } | { raw: string; status?: number } | { hang: true };

export interface WechatStandin extends Running {
  /** Codes seen, in order (the stand-in is the only place they are kept). */
  readonly calls: string[];
  /** Answers the next calls with these, in order, before normal behaviour resumes. */
  queue(...answers: WechatAnswer[]): void;
  /** Delay before every answer. */
  delayMs: number;
  /** The openid a code's user gets. */
  openidFor(code: string): string;
}

export interface WechatOptions {
  appid: string;
  secret: string;
  port?: number;
}

export async function startWechatStandin(options: WechatOptions): Promise<WechatStandin> {
  const used = new Set<string>();
  const scripted: WechatAnswer[] = [];
  const calls: string[] = [];
  const openidFor = (code: string) => {
    const user = code.includes(":") ? code.slice(0, code.indexOf(":")) : "dev";
    const digest = createHash("sha256").update(`${options.appid}/${user}`).digest("base64url");
    return `o${digest.slice(0, 27)}`;
  };
  let delayMs = 0;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body: string) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(body);
    };
    if (url.pathname !== "/sns/jscode2session" || req.method !== "GET") {
      send(404, JSON.stringify({ errcode: 404, errmsg: "not found" }));
      return;
    }
    const q = url.searchParams;
    const code = q.get("js_code") ?? "";
    calls.push(code);
    if (delayMs) await sleep(delayMs);
    const next = scripted.shift();
    if (next) {
      if ("hang" in next) return;
      if ("raw" in next) return send(next.status ?? 200, next.raw);
      return send(200, JSON.stringify({ errmsg: "scripted", ...next }));
    }
    if (q.get("appid") !== options.appid) return send(200, JSON.stringify({ errcode: 40013, errmsg: "invalid appid" }));
    if (q.get("secret") !== options.secret) {
      return send(200, JSON.stringify({ errcode: 40125, errmsg: "invalid appsecret" }));
    }
    if (q.get("grant_type") !== "authorization_code" || code === "") {
      return send(200, JSON.stringify({ errcode: 40029, errmsg: "invalid code" }));
    }
    if (used.has(code)) return send(200, JSON.stringify({ errcode: 40163, errmsg: "code been used" }));
    used.add(code);
    send(200, JSON.stringify({ session_key: randomBytes(16).toString("base64"), openid: openidFor(code) }));
  });

  const running = await serveOn(server, options.port);
  return {
    ...running,
    calls,
    openidFor,
    queue: (...answers) => {
      scripted.push(...answers);
    },
    get delayMs() {
      return delayMs;
    },
    set delayMs(ms: number) {
      delayMs = ms;
    },
  };
}
