import { describe, expect, it } from "vitest";
import { planAll } from "../../scripts/deploy/plan.js";
import { readSettings, settingsProblems } from "../../scripts/deploy/settings.js";
import { manifest } from "../../scripts/manifest.js";
import { functions } from "../../shared/functions.js";

describe("chat's request concurrency at deploy", () => {
  it("is the measured default of the manifest, and SCF_CHAT_CONCURRENCY overrides it for chat alone", async () => {
    const byName = async (env: NodeJS.ProcessEnv) =>
      new Map((await planAll(manifest(), readSettings(env).chatConcurrency)).map((p) => [p.name, p]));
    const measured = await byName({});
    expect(measured.get("chat")).toMatchObject({ kind: "web", concurrency: functions.chat.concurrency });
    const tuned = await byName({ SCF_CHAT_CONCURRENCY: "40" });
    expect(tuned.get("chat")?.concurrency).toBe(40);
    expect(tuned.get("chat-stream")?.concurrency).toBe(1);
  });

  it("refuses a value SCF does not accept, by name", () => {
    for (const bad of ["1", "101", "ten", "2.5"]) {
      expect(settingsProblems({ SCF_CHAT_CONCURRENCY: bad }).get("SCF_CHAT_CONCURRENCY"), bad).toMatch(/2 to 100/);
    }
    expect(settingsProblems({ SCF_CHAT_CONCURRENCY: "100" }).has("SCF_CHAT_CONCURRENCY")).toBe(false);
  });
});
