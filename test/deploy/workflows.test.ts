/**
 * The GitHub workflows, read as data: GitHub runs them only after a push, so a forgotten
 * variable would otherwise surface as a function answering 503 in production.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../scripts/build.js";

interface Step {
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  environment?: string;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) =>
  parse(readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")) as Workflow;

/** Every `${env:X}` the deployment files hand to the Components CLI. */
function referencedVariables(): Set<string> {
  const dir = path.join(ROOT, "deploy");
  const files = [
    path.join(dir, "serverless.yml"),
    ...readdirSync(dir)
      .filter((n) => statSync(path.join(dir, n)).isDirectory())
      .map((n) => path.join(dir, n, "serverless.yml")),
  ];
  const names = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(f, "utf8").matchAll(/\$\{env:([A-Z0-9_]+)\}/g)) names.add(m[1] as string);
  return names;
}

/** Values that must come from the repository's secrets, never from plain variables or the file. */
const isSecret = (name: string) => /(SECRET|TOKEN|PASSWORD|_KEY)$/.test(name) || name === "REDIS_URL";

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

  it("deploys on a version tag, only after the tests pass", () => {
    const deploy = workflow("deploy.yml");
    expect((deploy.on.push as { tags: string[] }).tags).toContain("v*");
    expect(deploy.jobs.test?.uses).toBe("./.github/workflows/test.yml");
    expect([deploy.jobs.deploy?.needs].flat()).toContain("test");
    const runs = (deploy.jobs.deploy?.steps ?? []).map((s) => s.run ?? "");
    expect(runs.some((r) => r.startsWith("npm run deploy -- --stage"))).toBe(true);
  });

  it("hands the deploy step every variable the deployment references, secrets from secrets", () => {
    const step = (workflow("deploy.yml").jobs.deploy?.steps ?? []).find((s) => s.run?.startsWith("npm run deploy"));
    const env = step?.env ?? {};
    const needed = [...referencedVariables(), "TENCENT_SECRET_ID", "TENCENT_SECRET_KEY"];
    expect(needed).toContain("REDIS_URL");
    for (const name of needed) {
      const expected = isSecret(name)
        ? [`\${{ secrets.${name} }}`]
        : [`\${{ vars.${name} }}`, `\${{ secrets.${name} }}`];
      expect(expected, `deploy.yml passes ${name}`).toContain(env[name]);
    }
  });
});
