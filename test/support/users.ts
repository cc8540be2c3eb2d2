/** Logging users in through the real login function and the WeChat stand-in. */
import { expect } from "vitest";
import { main_handler as login } from "../../functions/login/index.js";
import { LoginResponse } from "../../shared/schemas.js";
import { bodyAs, urlEvent } from "./events.js";
import { forbidInLogs } from "./log-guard.js";

let seq = 0;

/** Logs `name` in (a fresh wx.login code each time) and returns the session token. */
export async function loginAs(name: string): Promise<string> {
  const code = `${name}:${++seq}-${Math.random().toString(36).slice(2)}`;
  forbidInLogs(code);
  const res = await login(urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code } }));
  expect(res.statusCode, res.body).toBe(200);
  const token = bodyAs(res, LoginResponse).sessionKey;
  forbidInLogs(token);
  return token;
}
