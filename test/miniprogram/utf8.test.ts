/**
 * The Mini Program's incremental UTF-8 decoder (Mini Programs have no TextDecoder): text split
 * at every byte position, and any bytes at all compared with Node's TextDecoder, which follows
 * the same standard.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8Decoder } from "../../miniprogram/api/utf8";

const encode = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));

/** Decodes `bytes` fed in pieces that end at `cuts`. */
function decodeIn(bytes: Uint8Array, cuts: number[]): string {
  const decoder = new Utf8Decoder();
  let out = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += decoder.write(bytes.subarray(from, cut));
    from = cut;
  }
  return out + decoder.end();
}

/** What TextDecoder (non-fatal, streaming) makes of the same pieces. */
function reference(bytes: Uint8Array, cuts: number[]): string {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let out = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += decoder.decode(bytes.subarray(from, cut), { stream: true });
    from = cut;
  }
  return out + decoder.decode();
}

const TEXTS = {
  chinese: "你好，世界！这是一条流式回复。",
  "4-byte emoji": "😀🎉🚀 and 𠀋 (a CJK extension B character)",
  "ZWJ sequences": "👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 ❤️‍🔥",
  "flags and keycaps": "🇨🇳🇺🇸 1️⃣ #️⃣",
  mixed: "(turn 1) You said: 你好 😀 Ünïcödé — ok",
};

describe("the incremental UTF-8 decoder", () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`decodes ${name} split at every byte position`, () => {
      const bytes = encode(text);
      expect(bytes.length).toBeGreaterThan(text.length);
      for (let cut = 0; cut <= bytes.length; cut++) expect(decodeIn(bytes, [cut]), `cut at ${cut}`).toBe(text);
    });

    it(`decodes ${name} fed one byte at a time, and split at every pair of positions`, () => {
      const bytes = encode(text);
      expect(decodeIn(bytes, [...bytes.keys()])).toBe(text);
      for (let a = 0; a <= bytes.length; a++) {
        for (let b = a; b <= bytes.length; b++) expect(decodeIn(bytes, [a, b])).toBe(text);
      }
    });
  }

  it("keeps an unfinished character for the next chunk, and emits nothing for it yet", () => {
    const decoder = new Utf8Decoder();
    const [a, b, c, d] = encode("😀");
    expect(decoder.write(new Uint8Array([0x41, a ?? 0, b ?? 0]))).toBe("A");
    expect(decoder.write(new Uint8Array([c ?? 0]))).toBe("");
    expect(decoder.write(new Uint8Array([d ?? 0, 0x42]))).toBe("😀B");
    expect(decoder.end()).toBe("");
  });

  it("accepts ArrayBuffers, as onChunkReceived delivers them", () => {
    const decoder = new Utf8Decoder();
    const bytes = encode("你好");
    expect(decoder.write(bytes.slice(0, 4).buffer) + decoder.write(bytes.slice(4).buffer) + decoder.end()).toBe("你好");
  });

  it("replaces each invalid sequence with U+FFFD, as the Encoding Standard says", () => {
    const cases: [number[], string][] = [
      [[0x80], "\uFFFD"], // a lone continuation byte
      [[0xc0, 0xaf], "\uFFFD\uFFFD"], // an overlong "/"
      [[0xe0, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD"], // an overlong NUL
      [[0xed, 0xa0, 0x80], "\uFFFD\uFFFD\uFFFD"], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD\uFFFD"], // past U+10FFFF
      [[0xe4, 0xbd, 0x41], "\uFFFDA"], // a character cut short by ASCII: the ASCII survives
      [[0xf0, 0x9f, 0x98], "\uFFFD"], // cut short by the end of the input
      [[0xff, 0x41], "\uFFFDA"],
    ];
    for (const [bytes, expected] of cases) {
      expect(decodeIn(new Uint8Array(bytes), []), bytes.join(" ")).toBe(expected);
      expect(reference(new Uint8Array(bytes), []), "reference").toBe(expected);
    }
  });

  it("matches TextDecoder on any bytes, split anywhere", () => {
    // Bytes drawn mostly from the ranges UTF-8 uses, so that valid and nearly valid sequences are common.
    const byte = fc.oneof(
      fc.integer({ min: 0x00, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.integer({ min: 0xc0, max: 0xff }),
      fc.constantFrom(0xe0, 0xed, 0xf0, 0xf4, 0x9f, 0xa0, 0x8f, 0x90),
    );
    const input = fc.array(byte, { maxLength: 64 }).chain((bytes) =>
      fc.tuple(
        fc.constant(new Uint8Array(bytes)),
        fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }).map((c) => c.sort((x, y) => x - y)),
      ),
    );
    fc.assert(
      fc.property(input, ([bytes, cuts]) => decodeIn(bytes, cuts) === reference(bytes, cuts)),
      { numRuns: 3000 },
    );
  });

  it("matches TextDecoder on any valid text, split anywhere", () => {
    // Code points of every encoded length (1–4 bytes), surrogates aside (UTF-8 cannot carry them).
    const codePoint = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0xffff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
    );
    const text = fc.array(codePoint, { maxLength: 40 }).map((cps) => String.fromCodePoint(...cps));
    const input = text.chain((s) => {
      const bytes = encode(s);
      return fc.tuple(
        fc.constant(s),
        fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 6 }).map((c) => c.sort((x, y) => x - y)),
      );
    });
    fc.assert(
      fc.property(input, ([s, cuts]) => decodeIn(encode(s), cuts) === s),
      { numRuns: 1000 },
    );
  });

  it("decodes a long chunk whole (more code units than one String.fromCharCode call takes at once)", () => {
    const text = "你好😀".repeat(20_000);
    expect(decodeIn(encode(text), [7, 100_001])).toBe(text);
  });
});
