/**
 * The GitHub workflows, read as data: GitHub runs them only after a push, so a forgotten
 * variable would otherwise surface as a function answering 503 in production.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as z from "zod/mini";
import { ROOT } from "../../scripts/build.js";
import { DEPLOY_VARIABLES } from "../../scripts/deploy/settings.js";
import { ENV, SECRET_SOURCES } from "../../shared/config.js";
import { checkedAs } from "../support/json.js";

/** The parts of a workflow these checks read. */
const Step = z.object({
  run: z.optional(z.string()),
  uses: z.optional(z.string()),
  env: z.optional(z.record(z.string(), z.string())),
});
const Job = z.object({
  uses: z.optional(z.string()),
  needs: z.optional(z.union([z.string(), z.array(z.string())])),
  steps: z.optional(z.array(Step)),
});
const Workflow = z.object({ on: z.record(z.string(), z.unknown()), jobs: z.record(z.string(), Job) });
const PushTrigger = z.object({ tags: z.array(z.string()) });

const workflow = (name: string) =>
  checkedAs(Workflow, parse(readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")), name);

describe("GitHub workflows", () => {
  it("runs the .ci/run checks on every push and pull request", () => {
    const test = workflow("test.yml");
    expect(test.on).toHaveProperty("push");
    expect(test.on).toHaveProperty("pull_request");
    expect(test.on).toHaveProperty("workflow_call");
    const runs = Object.values(test.jobs)
      .flatMap((j) => j.steps ?? [])
      .map((s) => s.run ?? "");
    expect(runs).toContain("bash .ci/run");
    const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    for (const command of ["npm run setup:redis", "npm ci", "npm run lint", "npm run typecheck", "npm test"]) {
      expect(ci).toContain(command);
    }
  });

  it("deploys on a version tag with npm run deploy, only after the tests pass", () => {
    const deploy = workflow("deploy.yml");
    expect(z.parse(PushTrigger, deploy.on.push).tags).toContain("v*");
    expect(deploy.jobs.test?.uses).toBe("./.github/workflows/test.yml");
    expect([deploy.jobs.deploy?.needs].flat()).toContain("test");
    const runs = (deploy.jobs.deploy?.steps ?? []).map((s) => s.run ?? "");
    expect(runs.some((r) => r.startsWith("npm run deploy"))).toBe(true);
    expect(runs.join("\n")).not.toMatch(/components|serverless/i);
  });

  it("hands the deploy step every variable the deployment and the functions read, secrets from secrets", () => {
    const steps = workflow("deploy.yml").jobs.deploy?.steps ?? [];
    const step = steps.find((s) => (s.run ?? "").startsWith("npm run deploy"));
    const given = step?.env ?? {};
    const secret = new Set<string>([
      "TENCENTCLOUD_SECRETID",
      "TENCENTCLOUD_SECRETKEY",
      "TENCENTCLOUD_SESSIONTOKEN",
      "REDIS_URL", // carries the Redis password
      ...Object.keys(SECRET_SOURCES),
    ]);
    for (const name of [...Object.keys(DEPLOY_VARIABLES), ...Object.keys(ENV)]) {
      const source = secret.has(name) ? "secrets" : "vars";
      expect(given[name], name).toBe(`\${{ ${source}.${name} }}`);
    }
  });
});
