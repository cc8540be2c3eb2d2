/**
 * A token estimate for a turn OpenClaw did not finish reporting (the client hung up, or the
 * turn broke, before the usage chunk arrived): it is charged for the text we know it read and
 * wrote. BPE tokenizers spend about one token per Chinese, Japanese or Korean character and
 * about one per four characters of Latin text, so each such character counts 1 and every other
 * code point a quarter (rounded up over the whole text). docs/quotas.md says why and what it
 * leaves out.
 */

/** Han (with extensions and compatibility ideographs), kana, Hangul, and CJK/full-width punctuation. */
const WIDE =
  /[\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u{20000}-\u{3134f}]/u;

/** Estimated tokens of `text`: wide characters count 1, other code points 1/4, rounded up. */
export function estimateTokens(text: string): number {
  let wide = 0;
  let other = 0;
  for (const ch of text) {
    if (WIDE.test(ch)) wide++;
    else other++;
  }
  return wide + Math.ceil(other / 4);
}
