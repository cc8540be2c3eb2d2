/**
 * The Mini Program's incremental server-sent events parser: streams split at every position,
 * with every line ending the format allows, alone and behind the UTF-8 decoder as chatStream
 * uses them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ServerSentEvent, SseParser } from "../../miniprogram/api/sse";
import { Utf8Decoder } from "../../miniprogram/api/utf8";

/** Parses `text` fed in pieces that end at `cuts`. */
function parseIn(text: string, cuts: number[] = []): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    parser.push(text.slice(from, cut));
    from = cut;
  }
  parser.end();
  return events;
}

/** The events as the backend writes them. */
const EVENTS: ServerSentEvent[] = [
  { event: "delta", data: JSON.stringify({ text: "(turn 1) 你好，" }) },
  { event: "delta", data: JSON.stringify({ text: "世界 😀👨‍👩‍👧 ok" }) },
  { event: "done", data: JSON.stringify({ conversation_id: "kZ1abcdefghijklmnopqrs", tokens_used: 42 }) },
];
const serialise = (events: ServerSentEvent[], eol: string) =>
  events.map((e) => `event: ${e.event}${eol}data: ${e.data}${eol}${eol}`).join("");

const LINE_ENDINGS = { LF: "\n", CRLF: "\r\n", CR: "\r" };

describe("the incremental SSE parser", () => {
  for (const [name, eol] of Object.entries(LINE_ENDINGS)) {
    it(`parses a stream with ${name} line endings split at every position`, () => {
      const stream = serialise(EVENTS, eol);
      expect(parseIn(stream)).toEqual(EVENTS);
      for (let cut = 0; cut <= stream.length; cut++) expect(parseIn(stream, [cut]), `cut at ${cut}`).toEqual(EVENTS);
    });

    it(`parses a stream with ${name} line endings split at every pair of positions, and one character at a time`, () => {
      const stream = serialise(EVENTS, eol);
      expect(parseIn(stream, [...Array(stream.length).keys()])).toEqual(EVENTS);
      for (let a = 0; a <= stream.length; a++) {
        for (let b = a; b <= stream.length; b += 3) expect(parseIn(stream, [a, b])).toEqual(EVENTS);
      }
    });
  }

  it("parses the bytes of a stream split at every byte position, through the UTF-8 decoder", () => {
    const bytes = new Uint8Array(Buffer.from(serialise(EVENTS, "\r\n"), "utf8"));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events: ServerSentEvent[] = [];
      const decoder = new Utf8Decoder();
      const parser = new SseParser((e) => events.push(e));
      parser.push(decoder.write(bytes.subarray(0, cut)));
      parser.push(decoder.write(bytes.subarray(cut)));
      parser.push(decoder.end());
      parser.end();
      expect(events, `cut at byte ${cut}`).toEqual(EVENTS);
    }
  });

  it("takes a CR that ends one chunk and the LF that starts the next as one line ending", () => {
    // Were they two, the blank line between would end the event after its first data line.
    expect(parseIn("data: a\r\ndata: b\r\n\r\n", [8])).toEqual([{ event: "message", data: "a\nb" }]);
    expect(parseIn("data: a\r\r\n", [8])).toEqual([{ event: "message", data: "a" }]);
  });

  it("follows the format's rules for fields, comments and blank lines", () => {
    expect(parseIn("data:no space\n\n")).toEqual([{ event: "message", data: "no space" }]);
    expect(parseIn("data:  two spaces\n\n")).toEqual([{ event: "message", data: " two spaces" }]);
    expect(parseIn("data: one\ndata: two\ndata\n\n")).toEqual([{ event: "message", data: "one\ntwo\n" }]);
    expect(parseIn(": keep-alive\n\nevent: ping\n\nevent: delta\nid: 7\nretry: 10\nfoo: bar\ndata: x\n\n")).toEqual([
      { event: "delta", data: "x" },
    ]);
    expect(parseIn("event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\n")).toEqual([
      { event: "a", data: "1" },
      { event: "b", data: "2" },
      { event: "message", data: "3" },
    ]);
    expect(parseIn("\uFEFFevent: delta\ndata: x\n\n")).toEqual([{ event: "delta", data: "x" }]);
  });

  it("drops a last event the stream did not close with a blank line", () => {
    expect(parseIn("event: delta\ndata: a\n\nevent: done\ndata: {}\n")).toEqual([{ event: "delta", data: "a" }]);
    expect(parseIn("event: delta\ndata: a\n\nevent: done\ndata: {}")).toEqual([{ event: "delta", data: "a" }]);
  });

  it("parses any events, with any line endings, split anywhere", () => {
    const line = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, " "));
    const event = fc.record({
      event: fc.oneof(
        fc.constantFrom("delta", "done", "error"),
        line.map((s) => `x${s.trim()}`),
      ),
      data: fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.join("\n")),
    });
    const input = fc
      .tuple(fc.array(event, { maxLength: 5 }), fc.constantFrom("\n", "\r\n", "\r"))
      .chain(([events, eol]) => {
        const stream = events
          .map(
            (e) =>
              `event: ${e.event}${eol}${e.data
                .split("\n")
                .map((d) => `data: ${d}${eol}`)
                .join("")}${eol}`,
          )
          .join("");
        const cuts = fc.uniqueArray(fc.integer({ min: 0, max: stream.length }), { maxLength: 6 });
        return fc.tuple(
          fc.constant(events),
          fc.constant(stream),
          cuts.map((c) => c.sort((x, y) => x - y)),
        );
      });
    fc.assert(
      fc.property(input, ([events, stream, cuts]) => {
        expect(parseIn(stream, cuts)).toEqual(events);
      }),
      { numRuns: 500 },
    );
  });
});
