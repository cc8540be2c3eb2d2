/**
 * Content security for chat (WX_MSG_SEC_CHECK=true): every user message is checked with WeChat's
 * msgSecCheck before it reaches OpenClaw, and every reply before it reaches the user — whole for
 * JSON replies, in sentence-sized segments for streamed ones, which are released only once
 * checked. No cut lets a flagged term through: long text goes in overlapping pieces, and a
 * streamed segment is checked together with the unreleased tail of the one before
 * (docs/content-security.md). WeChat unreachable → 503 (fail-closed) unless
 * WX_MSG_SEC_CHECK_FAIL_OPEN=true.
 */

import type { SessionUser } from "../auth/session.js";
import { ConfigInvalid, type ConfigOf } from "../config.js";
import { ApiError, isApiError } from "../errors.js";
import type { Logger } from "../log.js";
import type { RedisClient } from "../redis/client.js";
import type { RedisKeys } from "../redis/keys.js";
import { accessToken, wechatDown } from "../wechat/access-token.js";
import { insidePair, piecesOf, SEC_CHECK_OVERLAP, secCheck, type Verdict } from "../wechat/sec-check.js";

/** Shown instead of a reply that failed the check. */
export const BLOCKED_REPLY_NOTICE = "抱歉，这条回复未通过内容安全检查，无法显示。";

/**
 * A streamed segment ends at the first sentence end once it has this much text (so short
 * sentences share one check), or is cut at MAX. Segments do not depend on how fast the
 * upstream sends, so the same reply is always checked the same way.
 */
const MIN_SEGMENT = 24;
const MAX_SEGMENT = 400;
const SENTENCE_END = /[。！？!?；;\n]|\.(?=\s)/g;

export interface ScreenContext {
  /** The route declares WeChat's credentials as needed while the check is on (shared/routes.ts). */
  config: ConfigOf<"contentSecurity"> & Partial<ConfigOf<"wechat">>;
  redis: RedisClient;
  keys: RedisKeys;
  user: SessionUser;
  log: Logger;
}

export interface Screen {
  /** Throws 422 content_blocked when the user's message is risky. */
  input(message: string): Promise<void>;
  /** The reply, or the notice in its place. */
  reply(text: string): Promise<string>;
  /** Releases streamed text to `emit` in checked segments. */
  releaser(emit: (text: string) => void): Releaser;
}

export interface Releaser {
  push(delta: string): void;
  /** Checks what is left; resolves with all text released (the notice included, if any). */
  finish(): Promise<string>;
}

/** Where the next streamed segment ends, or 0 when more text is needed. */
function segmentEnd(buffer: string): number {
  for (const m of buffer.matchAll(SENTENCE_END)) {
    const end = (m.index ?? 0) + m[0].length;
    if (end >= MIN_SEGMENT && end <= MAX_SEGMENT) return end;
  }
  if (buffer.length < MAX_SEGMENT) return 0;
  const c = buffer.charCodeAt(MAX_SEGMENT - 1);
  return c >= 0xd800 && c <= 0xdbff ? MAX_SEGMENT - 1 : MAX_SEGMENT;
}

const WECHAT_REQUIRED = ["WX_APPID", "WX_SECRET", "WX_API_BASE", "WX_TIMEOUT_MS"] as const;

/**
 * WeChat's credentials as the pipeline loaded them with the check on. Missing ones mean the
 * route's declaration and this module disagree: a misconfiguration (503), never fail-open.
 */
function wechatConfig(config: ScreenContext["config"]): ConfigOf<"wechat"> {
  const missing = WECHAT_REQUIRED.filter((name) => config[name] === undefined);
  const { WX_APPID, WX_SECRET, WX_API_BASE, WX_TIMEOUT_MS } = config;
  if (WX_APPID === undefined || WX_SECRET === undefined || WX_API_BASE === undefined || WX_TIMEOUT_MS === undefined) {
    throw new ConfigInvalid([...missing], `${missing.join(", ")}: not loaded for the content check`);
  }
  const { LOG_LEVEL, SSM_ENDPOINT, SSM_REGION, WX_SECRET_SSM_NAME } = config;
  return { LOG_LEVEL, SSM_ENDPOINT, SSM_REGION, WX_SECRET_SSM_NAME, WX_APPID, WX_SECRET, WX_API_BASE, WX_TIMEOUT_MS };
}

export function contentScreen(ctx: ScreenContext): Screen | undefined {
  if (!ctx.config.WX_MSG_SEC_CHECK) return undefined;
  const credentials = () => wechatConfig(ctx.config);

  async function judge(text: string): Promise<Verdict> {
    const config = await credentials();
    let token = await accessToken(ctx.redis, ctx.keys, config);
    const verdicts = await Promise.all(
      piecesOf(text).map(async (piece) => {
        let outcome = await secCheck(config, token, ctx.user.openid, piece);
        if ("staleToken" in outcome) {
          token = await accessToken(ctx.redis, ctx.keys, config, token);
          outcome = await secCheck(config, token, ctx.user.openid, piece);
        }
        if ("staleToken" in outcome) throw wechatDown("wechat msg_sec_check: token rejected twice");
        return outcome.verdict;
      }),
    );
    return verdicts.includes("risky") ? "risky" : verdicts.includes("review") ? "review" : "pass";
  }

  /** Risky or not; failures pass only when the operator chose fail-open. */
  async function risky(text: string): Promise<boolean> {
    try {
      return (await judge(text)) === "risky";
    } catch (e) {
      // Fail-open covers WeChat being down, never our own misconfiguration.
      const unreachable = isApiError(e) && e.code === "unavailable" && !(e instanceof ConfigInvalid);
      if (!ctx.config.WX_MSG_SEC_CHECK_FAIL_OPEN || !unreachable) throw e;
      ctx.log.warn("content check failed open", { reason: e.operatorNote });
      return false;
    }
  }

  return {
    async input(message) {
      if (await risky(message)) {
        throw new ApiError("content_blocked", "This message cannot be sent: it failed WeChat's content check.");
      }
    },
    async reply(text) {
      return (await risky(text)) ? BLOCKED_REPLY_NOTICE : text;
    },
    releaser(emit) {
      // `pending` is text not yet released; its first `held` units were already checked, as the
      // end of the previous window. Each window is that held tail plus a new segment, and every
      // window but the last keeps its final SEC_CHECK_OVERLAP units back: a term that long
      // spanning two segments is checked whole before any of it is shown.
      let pending = "";
      let held = 0;
      let released = "";
      let blocked = false;
      let failure: unknown;
      let chain = Promise.resolve();
      const release = (text: string) => {
        if (text === "") return;
        released += text;
        emit(text);
      };
      const drain = async (final: boolean) => {
        while (!blocked && failure === undefined) {
          const fresh = pending.slice(held);
          const end = final ? fresh.length : segmentEnd(fresh);
          if (end <= 0) {
            if (final) release(pending);
            return;
          }
          const window = pending.slice(0, held + end);
          try {
            if (await risky(window)) {
              blocked = true;
              release(BLOCKED_REPLY_NOTICE);
              return;
            }
          } catch (e) {
            failure = e;
            return;
          }
          let cut = final ? window.length : Math.max(0, window.length - SEC_CHECK_OVERLAP);
          if (insidePair(window, cut)) cut--;
          release(window.slice(0, cut));
          pending = pending.slice(cut);
          held = window.length - cut;
          if (final && pending === "") return;
        }
      };
      return {
        push(delta) {
          pending += delta;
          chain = chain.then(() => drain(false));
        },
        async finish() {
          chain = chain.then(() => drain(true));
          await chain;
          if (failure !== undefined) throw failure;
          return released;
        },
      };
    },
  };
}
