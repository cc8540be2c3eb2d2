/**
 * Each function's timeout (shared/functions.ts `timeoutS`, shipped in dist/routes.json) is the
 * sum of the upstream deadlines one request can wait through (scripts/deploy/plan.ts): raising a
 * deadline without the timeout would let SCF kill a request that was still within it.
 */
import { describe, expect, it } from "vitest";
import { OWN_DEADLINE_MS, timeoutFor } from "../../scripts/deploy/plan.js";
import { FUNCTION_NAMES, functions } from "../../shared/functions.js";
import { variablesOfFunction } from "../../shared/needs.js";

describe("function timeouts", () => {
  it("equal the deadline sums of what each function's routes declare", () => {
    for (const name of FUNCTION_NAMES) {
      expect(functions[name].timeoutS, name).toBe(timeoutFor(variablesOfFunction(name), OWN_DEADLINE_MS[name]));
    }
  });

  it("grow with the deadlines a function waits on one after another", () => {
    expect(timeoutFor([])).toBe(10);
    expect(timeoutFor(["WX_TIMEOUT_MS"])).toBe(25);
    expect(timeoutFor(["WX_TIMEOUT_MS", "OPENCLAW_TIMEOUT_MS", "SSM_REGION"])).toBe(83);
    expect(timeoutFor(["OPENCLAW_TIMEOUT_MS", "SSM_REGION"], 2_000)).toBe(10);
  });
});
