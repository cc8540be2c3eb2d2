import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_DOC, configDoc } from "../../scripts/config-doc.js";
import { ENV, type EnvName } from "../../shared/config.js";
import { variablesOfFunction } from "../../shared/needs.js";

describe("docs/config.md", () => {
  it("is current: it equals what `npm run docs:config` generates from the code", () => {
    expect(readFileSync(CONFIG_DOC, "utf8")).toBe(configDoc());
  });

  it("lists every variable once, with the functions whose routes declare it", () => {
    const doc = configDoc();
    for (const name of Object.keys(ENV) as EnvName[]) {
      expect(doc.split(`| \`${name}\` |`).length - 1, name).toBe(1);
    }
    // Health reads Redis and OpenClaw's origin for its deep check, never OpenClaw's token.
    expect(variablesOfFunction("health")).toContain("OPENCLAW_BASE_URL");
    expect(variablesOfFunction("health")).not.toContain("OPENCLAW_TOKEN");
    // Chat needs WeChat's credentials only for the content check, declared under its flag.
    expect(variablesOfFunction("chat")).toContain("WX_APPID");
    expect(variablesOfFunction("logout")).toEqual(["LOG_LEVEL", "REDIS_KEY_PREFIX", "REDIS_MODE", "REDIS_URL"]);
  });
});
