/**
 * Defusing the skill selections OpenClaw parses in a chat-completions message, and nothing
 * else. The same forms are probed against a real gateway in test/openclaw/directives.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defuse } from "../../../shared/openclaw/defuse.js";

const WJ = "\u2060";

describe("defuse", () => {
  it.each([
    ["Use $weather please", `Use $${WJ}weather please`],
    ["Use $wx-mark and $wx_mark", `Use $${WJ}wx-mark and $${WJ}wx_mark`],
    ["Mixed case $WX_Mark", `Mixed case $${WJ}WX_Mark`],
    ["Trailing colon $wx-mark: now", `Trailing colon $${WJ}wx-mark: now`],
    ["Mid-word US$wx_mark", `Mid-word US$${WJ}wx_mark`],
    ["Two backslashes \\\\$wx_mark", `Two backslashes \\\\$${WJ}wx_mark`],
    ["$a$b", `$${WJ}a$${WJ}b`],
    ["/weather in Shanghai", `/${WJ}weather in Shanghai`],
    ["/WX_MARK in Shanghai", `/${WJ}WX_MARK in Shanghai`],
    ["/skill weather Shanghai", `/${WJ}skill weather Shanghai`],
    ["/SKILL 天气", `/${WJ}SKILL 天气`],
    ["\n/skill wx-mark", `\n/${WJ}skill wx-mark`],
    ["  /wx_mark", `  /${WJ}wx_mark`],
    ["\u3000/wx_mark", `\u3000/${WJ}wx_mark`],
    ["\ufeff/wx_mark", `\ufeff/${WJ}wx_mark`],
    ["\u00a0/wx_mark", `\u00a0/${WJ}wx_mark`],
    // The Kelvin sign lower-cases to an ASCII "k", as it does in OpenClaw's comparison.
    ["/\u212Aey", `/${WJ}\u212Aey`],
  ])("defuses %j", (typed, sent) => {
    expect(defuse(typed)).toBe(sent);
  });

  it.each([
    // Reported as reaching OpenClaw unchanged: none of them is a reference OpenClaw reads.
    "$é",
    "$天气",
    "$\u007bweather}",
    "$\u200bweather",
    "$\u0301weather",
    "\u200b/reset",
    "\u0085/reset",
    "\u001c/reset",
    "\u200b/wx_mark",
    "\u0085/wx_mark",
    "\u001c/wx_mark",
    "hello\n/skill weather",
    "hi /wx_mark",
    // Escaped, or no lower-case letter (shell variables, prices).
    "\\$wx_mark",
    "$WX_MARK and $HOME",
    "It costs $5 or $-3 or $::",
    // Built-in chat commands: not parsed on this endpoint, and never a skill's command name.
    "/reset",
    "/new",
    "/think high",
    "/model wxtest/other-model",
    "/status",
    // A message that starts with `/` has no `$` references read in it.
    "/reset then $wx_mark",
    "/wx_mark, please",
    "/",
    "/ wx_mark",
    "/skill",
    "! ls",
    "plain words",
  ])("leaves %j as typed", (typed) => {
    expect(defuse(typed)).toBe(typed);
  });

  it("only inserts word joiners, at most one per `$` and one at the start, and leaves nothing to defuse", () => {
    const pieces = ["$", "/", "\\", " ", "\n", "a", "Z", "_", "-", ":", "skill", "reset", "wx_mark", "é", "\u3000"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 24 }), (parts) => {
        const typed = parts.join("");
        const sent = defuse(typed);
        const added = [...sent].length - [...typed].length;
        expect(sent.replaceAll(WJ, "")).toBe(typed.replaceAll(WJ, ""));
        expect(added).toBeLessThanOrEqual(typed.split("$").length - 1 + 1);
        expect(defuse(sent)).toBe(sent);
      }),
      { numRuns: 500 },
    );
  });
});
