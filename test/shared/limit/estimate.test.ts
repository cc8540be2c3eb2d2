import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../../shared/limit/estimate.js";

describe("token estimate of a cut turn", () => {
  it("counts a Chinese, Japanese or Korean character as one token", () => {
    expect(estimateTokens("今天天气怎么样？")).toBe(8);
    expect(estimateTokens("こんにちは")).toBe(5);
    expect(estimateTokens("안녕하세요")).toBe(5);
    expect(estimateTokens("𠀀𠀁")).toBe(2); // beyond the BMP: one per code point, not per UTF-16 unit
  });

  it("counts other code points a quarter each, rounded up over the text", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("a")).toBe(1);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("hello world!")).toBe(3);
    expect(estimateTokens("😀😀😀😀😀")).toBe(2);
  });

  it("adds the two kinds in mixed text", () => {
    expect(estimateTokens("OpenClaw 是什么")).toBe(3 + Math.ceil(9 / 4));
  });
});
