import { describe, expect, it } from "vitest";
import { functions } from "../../shared/functions.js";
import { checkedRules, domainRules, functionForPath, ruleForPath, ruleMatches } from "../../shared/path-match.js";
import { ROUTE_NAMES, routes } from "../../shared/routes.js";

describe("custom domain path rules", () => {
  it("writes a literal path as itself and a templated one as its literal prefix with /*", () => {
    expect(ruleForPath("/api/chat")).toBe("/api/chat");
    expect(ruleForPath("/api/conversations/{id}")).toBe("/api/conversations/*");
    expect(ruleForPath("/api/conversations/{id}/messages")).toBe("/api/conversations/*");
  });

  it("matches exact rules exactly, and a wildcard only below its prefix", () => {
    expect(ruleMatches("/api/chat", "/api/chat")).toBe(true);
    expect(ruleMatches("/api/chat", "/api/chat/stream")).toBe(false);
    expect(ruleMatches("/api/conversations/*", "/api/conversations/x/messages")).toBe(true);
    expect(ruleMatches("/api/conversations/*", "/api/conversations")).toBe(false);
    expect(ruleMatches("/api/conversations/*", "/api/conversationsX")).toBe(false);
  });

  it("sends every route of the table to the function that serves it, and to no other", () => {
    const rules = domainRules();
    for (const [fn, def] of Object.entries(functions)) {
      for (const r of def.routes) {
        const path = routes[r].path.replace(/\{[^}]+\}/g, "Z9");
        expect(functionForPath(rules, path), path).toBe(fn);
      }
    }
    const served = Object.values(functions).flatMap((f) => [...f.routes]);
    expect(served.sort()).toEqual([...ROUTE_NAMES].sort());
  });

  it("refuses a table whose functions' rules could both take one path", () => {
    // Whether `/a/*` takes `/a` itself is undocumented, so an exact `/a` elsewhere is a clash too.
    expect(() =>
      checkedRules({ list: { routes: ["conversations"] }, one: { routes: ["conversation-delete"] } }),
    ).toThrow(/overlap: \/api\/conversations .*\/api\/conversations\/\*/);
    expect(() =>
      checkedRules({ a: { routes: ["conversation-messages"] }, b: { routes: ["conversation-delete"] } }),
    ).toThrow(/overlap/);
    expect(checkedRules({ a: { routes: ["chat"] }, b: { routes: ["chat-stream"] } })).toHaveLength(2);
  });
});
