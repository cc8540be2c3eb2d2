/**
 * WeChat's jscode2session (contract §5): login code → openid. WeChat may label its JSON
 * text/plain, answers errors with HTTP 200 and an errcode, and says -1 when busy (retried once).
 * Its session_key is dropped here: no feature of ours needs it.
 */

import type * as z from "zod/mini";
import type { Identity } from "../auth/session.js";
import type { ConfigOf } from "../config.js";
import { ApiError } from "../errors.js";
import { fetchText, UpstreamTimeout } from "../net/http-client.js";
import { parseWire } from "../net/wire.js";
import { Jscode2SessionReply } from "./wire.js";

type WechatConfig = ConfigOf<"wechat">;

type WechatReply = z.infer<typeof Jscode2SessionReply>;

const upstream = (note: string) =>
  new ApiError("upstream_error", "WeChat could not be reached; try again shortly.", { operatorNote: note });

async function callOnce(config: WechatConfig, code: string): Promise<WechatReply> {
  const url = new URL("/sns/jscode2session", config.WX_API_BASE);
  url.search = new URLSearchParams({
    appid: config.WX_APPID,
    secret: config.WX_SECRET,
    js_code: code,
    grant_type: "authorization_code",
  }).toString();
  let text: string;
  let status: number;
  try {
    ({ text, status } = await fetchText(url, { method: "GET", timeoutMs: config.WX_TIMEOUT_MS }));
  } catch (e) {
    throw e instanceof UpstreamTimeout
      ? upstream(`wechat: no answer within ${config.WX_TIMEOUT_MS} ms`)
      : upstream(`wechat: unreachable (${(e as Error).message})`);
  }
  if (status >= 500 || status < 200) throw upstream(`wechat: HTTP ${status}`);
  const reply = parseWire(Jscode2SessionReply, text);
  if (!reply) throw upstream(`wechat: unparsable answer (HTTP ${status})`);
  return reply;
}

/** Exchanges a wx.login code for the user's identity, mapping WeChat's errcodes (contract §4). */
export async function exchangeCode(config: WechatConfig, code: string): Promise<Identity> {
  let reply = await callOnce(config, code);
  if (reply.errcode === -1) reply = await callOnce(config, code);
  const errcode = reply.errcode ?? 0;
  switch (errcode) {
    case 0:
      break;
    case 40029:
    case 40163:
      throw new ApiError("invalid_code", "The login code is invalid or was already used; call wx.login again.");
    case 40226:
      throw new ApiError("user_blocked", "WeChat has restricted this account from logging in.");
    case 45011:
      throw new ApiError("rate_limited", "WeChat is limiting logins for this app; retry in a minute.", {
        retryAfterS: 60,
        operatorNote: "wechat: errcode 45011 (login frequency limit)",
        logLevel: "warn",
      });
    case -1:
      throw upstream("wechat: busy (errcode -1) twice");
    default:
      throw upstream(`wechat: errcode ${errcode} (check WX_APPID and WX_SECRET)`);
  }
  if (!reply.openid) throw upstream("wechat: answer without openid");
  const identity: Identity = { openid: reply.openid };
  if (reply.unionid) identity.unionid = reply.unionid;
  return identity;
}
