/**
 * WeChat's text content check, msgSecCheck v2 (`POST /wxa/msg_sec_check`): at most 2,500
 * characters per call, judged for one user (openid) in one scene. Its answer's
 * `result.suggest` is "pass", "review" or "risky"; errcode 40001/42001 means our token is stale.
 */
import type { ConfigOf } from "../config.js";
import { fetchText } from "../net/http-client.js";
import { wechatDown } from "./access-token.js";

export const SEC_CHECK_MAX_CHARS = 2500;
/** Scene 2 ("comment"): user-generated text shown to its author. */
export const SEC_CHECK_SCENE = 2;

export type Verdict = "pass" | "review" | "risky";
export type CheckOutcome = { verdict: Verdict } | { staleToken: true };

export async function secCheck(
  config: ConfigOf<"wechat">,
  token: string,
  openid: string,
  content: string,
): Promise<CheckOutcome> {
  const url = new URL("/wxa/msg_sec_check", config.WX_API_BASE);
  url.searchParams.set("access_token", token);
  let text: string;
  try {
    ({ text } = await fetchText(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content, version: 2, scene: SEC_CHECK_SCENE, openid }),
      timeoutMs: config.WX_TIMEOUT_MS,
    }));
  } catch (e) {
    throw wechatDown(`wechat msg_sec_check: unreachable (${(e as Error).message})`);
  }
  let reply: { errcode?: unknown; result?: { suggest?: unknown } };
  try {
    reply = JSON.parse(text);
  } catch {
    throw wechatDown("wechat msg_sec_check: unparsable answer");
  }
  if (reply.errcode === 40001 || reply.errcode === 42001 || reply.errcode === 40014) return { staleToken: true };
  const suggest = reply.result?.suggest;
  if (reply.errcode !== 0 || (suggest !== "pass" && suggest !== "review" && suggest !== "risky")) {
    throw wechatDown(`wechat msg_sec_check: errcode ${String(reply.errcode)}`);
  }
  return { verdict: suggest };
}

/** Splits text into pieces WeChat accepts, never inside a surrogate pair. */
export function piecesOf(text: string, max = SEC_CHECK_MAX_CHARS): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
