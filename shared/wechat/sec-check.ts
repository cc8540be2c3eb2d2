/**
 * WeChat's text content check, msgSecCheck v2 (`POST /wxa/msg_sec_check`): at most 2,500
 * characters per call, judged for one user (openid) in one scene. Its answer's
 * `result.suggest` is "pass", "review" or "risky"; errcode 40001/42001 means our token is stale.
 */
import type { ConfigOf } from "../config.js";
import { fetchText } from "../net/http-client.js";
import { parseWire } from "../net/wire.js";
import { wechatDown } from "./access-token.js";
import { MsgSecCheckReply } from "./wire.js";

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
  const reply = parseWire(MsgSecCheckReply, text);
  if (!reply) throw wechatDown("wechat msg_sec_check: unparsable answer");
  if (reply.errcode === 40001 || reply.errcode === 42001 || reply.errcode === 40014) return { staleToken: true };
  const suggest = reply.result?.suggest;
  if (reply.errcode !== 0 || (suggest !== "pass" && suggest !== "review" && suggest !== "risky")) {
    throw wechatDown(`wechat msg_sec_check: errcode ${String(reply.errcode)}`);
  }
  return { verdict: suggest };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** True when `at` falls between the two halves of a surrogate pair. */
export const insidePair = (text: string, at: number): boolean =>
  at > 0 && at < text.length && isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at));

/**
 * Consecutive pieces share at least this many UTF-16 units, so that any run of text this long
 * (a flagged word or phrase) lies whole inside one piece, wherever the cut falls. WeChat does
 * not say how long a term it matches can be: we assume 64 units covers them (docs/content-security.md).
 */
export const SEC_CHECK_OVERLAP = 64;

/**
 * The `[start, end)` windows that cover `text` in pieces of at most `max` units, each sharing at
 * least `overlap` units with the one before, none starting or ending inside a surrogate pair.
 */
export function windowsOf(text: string, max = SEC_CHECK_MAX_CHARS, overlap = SEC_CHECK_OVERLAP): [number, number][] {
  if (max < overlap + 4) throw new RangeError("piece too small for its overlap");
  const windows: [number, number][] = [];
  if (text === "") return windows;
  let start = 0;
  for (;;) {
    let end = Math.min(start + max, text.length);
    if (insidePair(text, end)) end--;
    windows.push([start, end]);
    if (end >= text.length) return windows;
    // Stepping back from a cut pair only widens the overlap.
    start = end - overlap;
    if (insidePair(text, start)) start--;
  }
}

/** Text in overlapping pieces WeChat accepts (see windowsOf). */
export const piecesOf = (text: string, max = SEC_CHECK_MAX_CHARS, overlap = SEC_CHECK_OVERLAP): string[] =>
  windowsOf(text, max, overlap).map(([start, end]) => text.slice(start, end));
