/**
 * A local WeChat API for development and tests, speaking the real wire formats of
 * - `GET /sns/jscode2session`: HTTP 200 with JSON labelled text/plain,
 *   `{openid, session_key, unionid?}` or `{errcode, errmsg}`; appid and secret are checked, and
 *   each code works once (40163 after);
 * - `POST /cgi-bin/stable_token`: `{access_token, expires_in}`; `force_refresh` issues a new
 *   token and invalidates the old one;
 * - `POST /wxa/msg_sec_check?access_token=…` (version 2): `{errcode: 0, result: {suggest, label}}`;
 *   content containing one of `riskyWords` whole is "risky" (a word cut across two calls passes
 *   both, as a keyword check on each piece would, so tests can show that no cut splits a word);
 *   content over 2,500 UTF-16 units is errcode 40003; an unknown token is errcode 40001.
 *
 * A code `<name>:<anything>` logs in the stable dev user `<name>`; any other code logs in
 * "dev". Tests can queue scripted answers (errcodes, garbage) and add a delay.
 * It is a development tool: no deployed function points at it.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { type Running, readBody, serveOn, sleep } from "./http.js";

export type WechatAnswer = { errcode: number; errmsg?: string } | { raw: string; status?: number } | { hang: true };

export interface SecCheckCall {
  content: string;
  openid: unknown;
  scene: unknown;
  version: unknown;
}

export interface WechatStandin extends Running {
  /** Codes seen, in order (the stand-in is the only place they are kept). */
  readonly calls: string[];
  /** stable_token calls, and the msg_sec_check calls that carried a valid token. */
  readonly tokenCalls: number;
  readonly secChecks: SecCheckCall[];
  /** Invalidates the current access token, as another system's force refresh would. */
  revokeToken(): void;
  /** Answers the next msg_sec_check calls with these, in order. */
  queueSecCheck(...answers: WechatAnswer[]): void;
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
  /** Content containing any of these is judged risky (default: "RISKY"). */
  riskyWords?: string[];
}

/** WeChat's limit on one msg_sec_check content. */
export const SEC_CHECK_MAX_CHARS = 2500;

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
  let token = randomBytes(16).toString("hex");
  let tokenCalls = 0;
  const secChecks: SecCheckCall[] = [];
  const secScript: WechatAnswer[] = [];
  const risky = options.riskyWords ?? ["RISKY"];

  const readJson = async (req: http.IncomingMessage): Promise<Record<string, unknown>> => {
    try {
      const body: unknown = JSON.parse(await readBody(req));
      return typeof body === "object" && body !== null ? { ...body } : {};
    } catch {
      return {};
    }
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body: string) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(body);
    };
    if (url.pathname === "/cgi-bin/stable_token" && req.method === "POST") {
      const body = await readJson(req);
      tokenCalls++;
      if (delayMs) await sleep(delayMs);
      if (body.appid !== options.appid) return send(200, JSON.stringify({ errcode: 40013, errmsg: "invalid appid" }));
      if (body.secret !== options.secret)
        return send(200, JSON.stringify({ errcode: 40125, errmsg: "invalid appsecret" }));
      if (body.force_refresh === true) token = randomBytes(16).toString("hex");
      return send(200, JSON.stringify({ access_token: token, expires_in: 7200 }));
    }
    if (url.pathname === "/wxa/msg_sec_check" && req.method === "POST") {
      const body = await readJson(req);
      const next = secScript.shift();
      if (next) {
        if ("hang" in next) return;
        if ("raw" in next) return send(next.status ?? 200, next.raw);
        return send(200, JSON.stringify({ errmsg: "scripted", ...next }));
      }
      if (url.searchParams.get("access_token") !== token) {
        return send(200, JSON.stringify({ errcode: 40001, errmsg: "invalid credential, access_token is invalid" }));
      }
      const content = typeof body.content === "string" ? body.content : "";
      secChecks.push({ content, openid: body.openid, scene: body.scene, version: body.version });
      if (body.version !== 2 || typeof body.openid !== "string" || content.length > SEC_CHECK_MAX_CHARS) {
        return send(200, JSON.stringify({ errcode: 40003, errmsg: "invalid args" }));
      }
      // Each call is judged alone: only a word wholly inside this content counts.
      const suggest = risky.some((w) => content.includes(w)) ? "risky" : "pass";
      return send(
        200,
        JSON.stringify({
          errcode: 0,
          errmsg: "ok",
          result: { suggest, label: suggest === "risky" ? 20001 : 100 },
          detail: [],
          trace_id: randomBytes(8).toString("hex"),
        }),
      );
    }
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
    secChecks,
    get tokenCalls() {
      return tokenCalls;
    },
    revokeToken: () => {
      token = randomBytes(16).toString("hex");
    },
    queueSecCheck: (...answers) => {
      secScript.push(...answers);
    },
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
