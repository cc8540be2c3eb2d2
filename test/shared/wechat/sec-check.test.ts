/**
 * The pieces text is checked in: within WeChat's limit, never cutting a surrogate pair, and
 * overlapping so that every run of up to SEC_CHECK_OVERLAP units lies whole inside one piece.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { startWechatStandin, type WechatStandin } from "../../../scripts/standins/wechat.js";
import {
  insidePair,
  piecesOf,
  SEC_CHECK_MAX_CHARS,
  SEC_CHECK_OVERLAP,
  windowsOf,
} from "../../../shared/wechat/sec-check.js";
import { MsgSecCheckReply } from "../../../shared/wechat/wire.js";
import { jsonOf } from "../../support/json.js";
import { TEST_APPID, TEST_SECRET } from "../../support/stack.js";

/** Text of ASCII, CJK and astral characters (emoji), so cuts meet surrogate pairs often. */
const mixedText = (maxLength: number) =>
  fc.array(fc.constantFrom("a", " ", "\n", "长", "。", "😀", "😈", "𠀋"), { maxLength }).map((chars) => chars.join(""));

describe("windowsOf", () => {
  it("gives one piece for text up to the limit, and none for empty text", () => {
    expect(piecesOf("a".repeat(SEC_CHECK_MAX_CHARS))).toEqual(["a".repeat(SEC_CHECK_MAX_CHARS)]);
    expect(piecesOf("")).toEqual([]);
  });

  it("overlaps consecutive pieces by SEC_CHECK_OVERLAP units on plain text", () => {
    expect(windowsOf("a".repeat(5000))).toEqual([
      [0, 2500],
      [2500 - SEC_CHECK_OVERLAP, 5000 - SEC_CHECK_OVERLAP],
      [5000 - 2 * SEC_CHECK_OVERLAP, 5000],
    ]);
  });

  it("moves a cut that falls inside a surrogate pair to the pair's start, at either end of a piece", () => {
    // The end: 2,500 falls between the halves of an emoji.
    expect(windowsOf(`x${"😀".repeat(1300)}`)[0]).toEqual([0, 2499]);
    // The start of the next piece: 2,500 − 64 falls between the halves of an emoji.
    const [first, second] = windowsOf(`x${"😀".repeat(1240)}${"a".repeat(100)}`);
    expect(first).toEqual([0, 2500]);
    expect(second?.[0]).toBe(2500 - SEC_CHECK_OVERLAP - 1);
  });

  it("covers the text in order, within the limit, without cutting a pair, every short run whole in one piece", () => {
    fc.assert(
      fc.property(
        mixedText(400),
        fc.integer({ min: 8, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        (text, max, overlapWish) => {
          const overlap = Math.min(overlapWish, max - 4);
          const windows = windowsOf(text, max, overlap);
          if (text === "") {
            expect(windows).toEqual([]);
            return;
          }
          expect(windows[0]?.[0]).toBe(0);
          expect(windows.at(-1)?.[1]).toBe(text.length);
          for (const [i, [start, end]] of windows.entries()) {
            expect(end - start).toBeLessThanOrEqual(max);
            expect(end).toBeGreaterThan(start);
            expect(insidePair(text, start) || insidePair(text, end)).toBe(false);
            const prev = windows[i - 1];
            if (prev) {
              expect(start).toBeGreaterThan(prev[0]);
              expect(prev[1] - start).toBeGreaterThanOrEqual(overlap);
            }
          }
          for (let at = 0; at + overlap <= text.length; at++) {
            const whole = windows.some(([start, end]) => start <= at && at + overlap <= end);
            expect(whole, `run at ${at} split`).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a piece size that leaves no room to advance past the overlap", () => {
    expect(() => windowsOf("a".repeat(100), 10, 8)).toThrow(RangeError);
  });
});

/** A stable_token reply that did issue a token. */
const IssuedToken = z.object({ access_token: z.string() });

describe("the WeChat stand-in's msgSecCheck", () => {
  let wechat: WechatStandin;
  beforeAll(async () => {
    wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET, riskyWords: ["BADTAIL"] });
  });
  afterAll(() => wechat.close());

  const check = async (content: string) => {
    const tokenRes = await fetch(`${wechat.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({ grant_type: "client_credential", appid: TEST_APPID, secret: TEST_SECRET }),
    });
    const { access_token } = await jsonOf(tokenRes, IssuedToken);
    const res = await fetch(`${wechat.url}/wxa/msg_sec_check?access_token=${access_token}`, {
      method: "POST",
      body: JSON.stringify({ content, version: 2, scene: 2, openid: "o-test" }),
    });
    return (await jsonOf(res, MsgSecCheckReply)).result?.suggest;
  };

  it("flags a word only when one call holds all of it", async () => {
    expect(await check("before BADTAIL after")).toBe("risky");
    expect(await check("before BAD")).toBe("pass");
    expect(await check("TAIL after")).toBe("pass");
  });
});
