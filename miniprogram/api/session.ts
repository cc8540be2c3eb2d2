/**
 * The session token: `wx.login` → POST /api/auth/wx-login → storage, and requests made with it.
 * One login at a time is shared by every caller that needs one (a page sending while app launch
 * is still logging in must not spend a second wx.login code), and a token the backend refuses
 * is replaced once, transparently.
 */
import type { LoginRequest, LoginResponse } from "../../shared/schemas";
import { ClientError, errorFromResponse, MESSAGES } from "./errors";
import { LOGIN_PATH } from "./paths";
import { type HttpResponse, send, urlOf } from "./request";

export interface SessionOptions {
  baseUrl: string;
  timeoutMs: number;
  storageKey: string;
  now?: () => number;
}

export interface Sessions {
  /** A usable token: the stored one while it is valid, else a fresh login. */
  token(): Promise<string>;
  /** Logs in now. Concurrent callers share one login. */
  login(): Promise<string>;
  /**
   * Sends `attempt` with a token; if the backend answers 401 (expired, revoked, or unknown
   * after a Redis flush), logs in again once and retries once. Any other answer is returned as is.
   */
  authorized(attempt: (token: string) => Promise<HttpResponse>): Promise<HttpResponse>;
  /** Drops `token` if it is still the current one (a concurrent login may have replaced it). */
  forget(token: string): void;
}

interface StoredSession {
  sessionKey: string;
  /** ms since epoch, by this device's clock. */
  expiresAt: number;
}

/** Log in again a little before the backend's expiry rather than send a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

function isStoredSession(v: unknown): v is StoredSession {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.sessionKey === "string" && s.sessionKey !== "" && typeof s.expiresAt === "number";
}

function wxLogin(timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: timeoutMs,
      success: (res) =>
        res.code
          ? resolve(res.code)
          : reject(new ClientError("wechat_login", MESSAGES.wechat_login, { cause: res.errMsg })),
      fail: (err) => reject(new ClientError("wechat_login", MESSAGES.wechat_login, { cause: err.errMsg })),
    });
  });
}

function parseLogin(data: unknown): LoginResponse {
  const d = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  if (typeof d.sessionKey !== "string" || d.sessionKey === "" || typeof d.expiresIn !== "number") {
    throw new ClientError("bad_response", MESSAGES.bad_response, { status: 200 });
  }
  return { sessionKey: d.sessionKey, expiresIn: d.expiresIn };
}

export function createSessions(options: SessionOptions): Sessions {
  const now = options.now ?? Date.now;
  // Storage can throw (full, or corrupted); the in-memory copy keeps the app working regardless.
  let memory: StoredSession | undefined;
  let pending: Promise<string> | undefined;

  function read(): StoredSession | undefined {
    if (memory) return memory;
    try {
      const stored: unknown = wx.getStorageSync(options.storageKey);
      if (isStoredSession(stored)) memory = stored;
    } catch {
      // Unreadable storage is the same as no session: log in.
    }
    return memory;
  }

  function write(session: StoredSession | undefined): void {
    memory = session;
    try {
      if (session) wx.setStorageSync(options.storageKey, session);
      else wx.removeStorageSync(options.storageKey);
    } catch {
      // Not persisted: this launch still has it in memory, the next one logs in again.
    }
  }

  async function loginOnce(): Promise<string> {
    const code = await wxLogin(options.timeoutMs);
    const body: LoginRequest = { code };
    const res = await send({
      url: urlOf(options.baseUrl, LOGIN_PATH),
      method: "POST",
      body,
      timeoutMs: options.timeoutMs,
    });
    if (res.status !== 200) throw errorFromResponse(res);
    const { sessionKey, expiresIn } = parseLogin(res.data);
    write({ sessionKey, expiresAt: now() + expiresIn * 1000 });
    return sessionKey;
  }

  function login(): Promise<string> {
    if (!pending) {
      pending = loginOnce().finally(() => {
        pending = undefined;
      });
    }
    return pending;
  }

  function forget(token: string): void {
    if (read()?.sessionKey === token) write(undefined);
  }

  async function token(): Promise<string> {
    const s = read();
    if (s && s.expiresAt - EXPIRY_MARGIN_MS > now()) return s.sessionKey;
    return login();
  }

  async function authorized(attempt: (token: string) => Promise<HttpResponse>): Promise<HttpResponse> {
    const first = await token();
    const res = await attempt(first);
    if (res.status !== 401) return res;
    forget(first);
    // Another caller may have logged in meanwhile: token() then reuses its session.
    const second = await token();
    const retry = await attempt(second);
    if (retry.status === 401) forget(second);
    return retry;
  }

  return { token, login, authorized, forget };
}
