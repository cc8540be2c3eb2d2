/**
 * A stand-in for the Mini Program's `wx` global, so the client runs in Node against real servers.
 *
 * - `request` does real HTTP (node:http) and behaves as WeChat's does: `success` for any HTTP
 *   status, `fail` ("request:fail …") only when no response arrived, "request:fail timeout" past
 *   `timeout`, JSON bodies parsed when `dataType` is "json" (else, or when unparsable, the text),
 *   an ArrayBuffer for `responseType: "arraybuffer"`, header names as the server spelled them,
 *   and only registered domains: a URL whose origin is not in `domains` fails with "url not in
 *   domain list", as on a phone. `domains` maps each registered origin to where it really is
 *   (the dev stack), as DNS would.
 * - With `enableChunked`, the body is handed to the task's onChunkReceived listeners as
 *   ArrayBuffers, each piece as it comes off the socket (never joined), after onHeadersReceived;
 *   then `success` follows with the status and headers. Where the body lands is per platform in
 *   WeChat, so `chunkedBody` chooses: the chunks only (success's `data` empty), `data` only (no
 *   chunk events, as where chunked mode is unsupported), or both. `headersWithoutStatus` makes
 *   onHeadersReceived omit statusCode, as DevTools does.
 * - `login` hands out codes the dev WeChat stand-in accepts: `<user>:<random>`, one user per wx.
 * - Storage lives in memory (values copied through JSON, as WeChat serialises them).
 * - `showToast` records the toasts, `showModal` the questions (answered with `modalAnswer`),
 *   `navigateTo` and `reLaunch` the pages opened.
 * `afterChunk` runs after each chunk's listeners, to see what a page shows between chunks.
 * Only these APIs exist; calling another fails loudly ("wx.x is not a function").
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import * as z from "zod/mini";
import { SESSION_STORAGE_KEY } from "../../../miniprogram/config";
import { ChatRequest } from "../../../shared/schemas.js";
import { parseAs } from "../../support/json.js";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The x-wx-session header sent, if any. */
  session: string | undefined;
  /** The JSON body sent, parsed (undefined when there was none or it was not JSON). */
  body: unknown;
  /** The status answered, once it arrived. */
  status?: number;
  /** The response's headers, names lower-cased. */
  headers?: Record<string, string>;
  /** enableChunked requests: the chunk events delivered. */
  chunks?: number;
  /** The request ended: its response whole, or its failure reported. */
  finished?: boolean;
}

export type ChunkedBody = "chunks" | "data" | "both";

export interface WxStandinOptions {
  /** Registered origin (as config.ts names it) → the server that answers for it. */
  domains: Record<string, string>;
  /** The dev user the login codes belong to; random by default, so each wx is its own user. */
  user?: string;
}

type Callbacks<S, F> = { success?: (res: S) => void; fail?: (err: F) => void; complete?: (res: S | F) => void };

export class WxStandin {
  readonly user: string;
  readonly requests: RecordedRequest[] = [];
  readonly logins: string[] = [];
  readonly toasts: string[] = [];
  readonly modals: string[] = [];
  /** Pages opened, as "navigateTo <url>" or "reLaunch <url>". */
  readonly navigations: string[] = [];
  /** What the user taps in the next modals: confirm (true) or cancel. */
  modalAnswer = true;
  /** Where an enableChunked response's body goes (see above). */
  chunkedBody: ChunkedBody = "chunks";
  headersWithoutStatus = false;
  /** Called after each chunk has been handed to the listeners: what the app did with it is done by then. */
  afterChunk?: () => void;
  readonly storage = new Map<string, string>();
  domains: Record<string, string>;

  constructor(options: WxStandinOptions) {
    this.domains = { ...options.domains };
    this.user = options.user ?? `mini${randomBytes(4).toString("hex")}`;
  }

  /** Makes this the global `wx` (what the Mini Program code calls). */
  install(): this {
    (globalThis as unknown as { wx: unknown }).wx = this.api();
    return this;
  }

  /** Requests to one API path, in order. */
  /**
   * Resolves once every request so far has its response whole. A streamed chat resolves on its
   * `done` event, which can come a moment before the platform reports the response ended.
   */
  async settled(): Promise<void> {
    const until = Date.now() + 5_000;
    while (this.requests.some((r) => !r.finished) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private api() {
    return {
      request: (o: WechatMiniprogram.RequestOption) => this.request(o),
      login: (o: WechatMiniprogram.LoginOption = {}) => this.login(o),
      getStorageSync: (key: string): unknown => {
        const v = this.storage.get(key);
        // WeChat answers "" for a missing key.
        return v === undefined ? "" : JSON.parse(v);
      },
      setStorageSync: (key: string, value: unknown) => {
        this.storage.set(key, JSON.stringify(value));
      },
      removeStorageSync: (key: string) => {
        this.storage.delete(key);
      },
      showToast: (o: WechatMiniprogram.ShowToastOption) => {
        this.toasts.push(o.title);
        settle(o, true, { errMsg: "showToast:ok" });
      },
      showModal: (o: WechatMiniprogram.ShowModalOption) => {
        this.modals.push(o.content ?? "");
        const confirm = this.modalAnswer;
        settle(o, true, { confirm, cancel: !confirm, content: "", errMsg: "showModal:ok" });
      },
      navigateTo: (o: WechatMiniprogram.NavigateToOption) => {
        this.navigations.push(`navigateTo ${o.url}`);
        settle(o, true, { errMsg: "navigateTo:ok" });
      },
      reLaunch: (o: WechatMiniprogram.ReLaunchOption) => {
        this.navigations.push(`reLaunch ${o.url}`);
        settle(o, true, { errMsg: "reLaunch:ok" });
      },
    };
  }

  private login(o: WechatMiniprogram.LoginOption): void {
    const code = `${this.user}:${randomBytes(8).toString("hex")}`;
    this.logins.push(code);
    settle(o, true, { code, errMsg: "login:ok" });
  }

  private request(o: WechatMiniprogram.RequestOption): WechatMiniprogram.RequestTask {
    const fail = (errMsg: string, errno: number) => settle(o, false, { errMsg, errno });
    const headerListeners = new Set<WechatMiniprogram.RequestTaskOnHeadersReceivedCallback>();
    const chunkListeners = new Set<WechatMiniprogram.OnChunkReceivedCallback>();
    const chunked = o.enableChunked === true;
    const chunkedBody = this.chunkedBody;
    const headersWithoutStatus = this.headersWithoutStatus;
    let req: http.ClientRequest | undefined;
    let done = false;
    let record: RecordedRequest | undefined;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
      if (record) record.finished = true;
    };
    const task: WechatMiniprogram.RequestTask = {
      abort: () => {
        req?.destroy();
        finish(() => fail("request:fail abort", 1));
      },
      onHeadersReceived: (l) => void headerListeners.add(l),
      offHeadersReceived: (l) => (l ? void headerListeners.delete(l) : headerListeners.clear()),
      onChunkReceived: (l) => void chunkListeners.add(l),
      offChunkReceived: (l) => (l ? void chunkListeners.delete(l) : chunkListeners.clear()),
    };

    const url = new URL(o.url);
    const target = this.domains[url.origin];
    const timer = setTimeout(() => {
      req?.destroy();
      finish(() => fail("request:fail timeout", 5));
    }, o.timeout ?? 60_000);
    if (target === undefined) {
      finish(() => fail("request:fail url not in domain list", 600002));
      return task;
    }

    const method = o.method ?? "GET";
    const headers: Record<string, string> = { "content-type": "application/json" };
    for (const [k, v] of Object.entries(o.header ?? {})) headers[k.toLowerCase()] = String(v);
    let path = url.pathname + url.search;
    let body: string | Buffer | undefined;
    if (method === "GET" && o.data && typeof o.data === "object" && !(o.data instanceof ArrayBuffer)) {
      path += (url.search ? "&" : "?") + formEncode(o.data);
    } else if (typeof o.data === "string") {
      body = o.data;
    } else if (o.data instanceof ArrayBuffer) {
      body = Buffer.from(o.data);
    } else if (o.data !== undefined) {
      body = headers["content-type"]?.includes("json") ? JSON.stringify(o.data) : formEncode(o.data);
    }
    let sent: unknown;
    try {
      sent = typeof body === "string" ? JSON.parse(body) : undefined;
    } catch {
      sent = undefined;
    }
    const recorded: RecordedRequest = { method, path: url.pathname, session: headers["x-wx-session"], body: sent };
    record = recorded;
    this.requests.push(recorded);

    req = http.request(new URL(path, target), { method, headers });
    req.on("error", (e: NodeJS.ErrnoException) => finish(() => fail(`request:fail ${e.code ?? e.message}`, 600001)));
    req.on("response", (res) => {
      const header: Record<string, string> = {};
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i] ?? "";
        header[name] =
          header[name] === undefined ? (res.rawHeaders[i + 1] ?? "") : `${header[name]}, ${res.rawHeaders[i + 1]}`;
      }
      const statusCode = res.statusCode ?? 0;
      for (const l of headerListeners) {
        l(
          headersWithoutStatus
            ? ({ header, cookies: [] } as unknown as WechatMiniprogram.RequestTaskOnHeadersReceivedListenerResult)
            : { header, statusCode, cookies: [] },
        );
      }
      const chunks: Buffer[] = [];
      const toChunks = chunked && chunkedBody !== "data";
      if (chunked) recorded.chunks = 0;
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        if (!toChunks || done) return;
        recorded.chunks = (recorded.chunks ?? 0) + 1;
        const data = c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer;
        for (const l of chunkListeners) l({ data });
        this.afterChunk?.();
      });
      res.on("error", (e) => finish(() => fail(`request:fail ${e.message}`, 600001)));
      res.on("end", () =>
        finish(() => {
          recorded.status = res.statusCode;
          recorded.headers = Object.fromEntries(Object.entries(header).map(([k, v]) => [k.toLowerCase(), v]));
          const body = chunked && chunkedBody === "chunks" ? Buffer.alloc(0) : Buffer.concat(chunks);
          const text = body.toString("utf8").replace(/^\uFEFF/, "");
          let data: unknown = text;
          if (o.responseType === "arraybuffer") {
            data = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
          } else if ((o.dataType ?? "json") === "json") {
            try {
              data = JSON.parse(text);
            } catch {
              // WeChat hands over the text when it is not JSON.
            }
          }
          settle(o, true, { data, statusCode: res.statusCode ?? 0, header, cookies: [], errMsg: "request:ok" });
        }),
      );
    });
    req.end(body);
    return task;
  }
}

function formEncode(data: WechatMiniprogram.IAnyObject): string {
  return new URLSearchParams(Object.entries(data).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** Calls success/fail then complete, later (WeChat never calls back synchronously). */
function settle<S, F>(o: Callbacks<S, F>, ok: boolean, result: unknown): void {
  setImmediate(() => {
    if (ok) o.success?.(result as S);
    else o.fail?.(result as F);
    o.complete?.(result as S | F);
  });
}

/** A recorded request's body, checked against the API's ChatRequest schema. */
export const chatRequestOf = (r: RecordedRequest): ChatRequest => z.parse(ChatRequest, r.body);

/** The session the client keeps in storage (miniprogram/api/session.ts). */
const StoredSession = z.object({ sessionKey: z.string(), expiresAt: z.number() });

/** The session token the client has stored; there must be one. */
export const storedToken = (wx: WxStandin): string =>
  parseAs(StoredSession, wx.storage.get(SESSION_STORAGE_KEY) ?? "").sessionKey;

/** A fresh wx stand-in, installed as the global. */
export function installWx(options: WxStandinOptions): WxStandin {
  return new WxStandin(options).install();
}
