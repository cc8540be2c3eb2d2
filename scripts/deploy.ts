/**
 * `npm run deploy -- [--stage <stage>] [--dry-run] [--write] [--skip-build]`
 *
 * Builds every function and deploys each as its own Serverless Components `scf` instance
 * (deploy/<name>/serverless.yml), one after another, through the Components CLI with
 * SERVERLESS_PLATFORM_VENDOR=tencent. Before anything is built or sent it checks that deploy/
 * matches the functions and the route table, and that every variable the deployment needs is
 * set; it names what is missing and never prints a value.
 *
 *   --dry-run     print the plan (functions, paths, variable names and their state) and stop
 *   --write       regenerate deploy/ from functions/ and shared/routes.ts, then stop
 *   --skip-build  deploy the bundles already in dist/
 *
 * WXCLAW_COMPONENTS_CLI names the CLI executable to run instead of the pinned npx package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setLogSink } from "../shared/log.js";
import { ROOT } from "./build.js";
import { checkEnvironment, type EnvReport } from "./deploy/env.js";
import {
  APP,
  DEFAULT_STAGE,
  DEPLOY_DIR,
  expectedFiles,
  type FunctionPlan,
  MAX_FUNCTION_NAME,
  planAll,
  STAGE_PATTERN,
  staleFiles,
} from "./deploy/plan.js";

/** The Components CLI, pinned: `serverless` v3+ no longer deploys Tencent components itself. */
export const COMPONENTS_CLI = ["npx", "--yes", "@serverless/components@3.18.2"];

class Refused extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: "string", default: DEFAULT_STAGE },
      "dry-run": { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
    },
    strict: true,
  });
  if (!STAGE_PATTERN.test(values.stage)) {
    throw new Refused(`--stage must match ${STAGE_PATTERN} (it becomes part of every function name)`);
  }
  return values;
}

/** Asks each function what it reads; the 503 lines that provokes are not news. */
async function quietPlan(): Promise<FunctionPlan[]> {
  setLogSink(() => {});
  try {
    return await planAll();
  } finally {
    setLogSink(null);
  }
}

const functionName = (plan: FunctionPlan, stage: string) => `${plan.name}-${stage}-${APP}`;

function printPlan(plans: readonly FunctionPlan[], stage: string, report: EnvReport): void {
  const out: string[] = [`Deploy plan: app ${APP}, stage ${stage}, ${plans.length} functions`, ""];
  for (const p of plans) {
    const where = [p.vpc ? "vpc" : "", p.publicAccess ? "public" : "", p.role ? "role" : ""].filter(Boolean).join("+");
    out.push(
      `  ${functionName(p, stage)}  ${p.route.method} ${p.route.path}  ${p.kind}  ${p.memoryMb} MB  ${p.timeoutS} s  ${where}`,
      `    env: ${p.variables.join(", ") || "(none)"}`,
    );
  }
  out.push("", "Variables (names only):");
  for (const r of report.rows) {
    const users = r.usedBy.length > 0 ? ` [${r.usedBy.join(", ")}]` : "";
    out.push(`  ${r.status.padEnd(8)} ${r.name}${users}${r.note ? ` — ${r.note}` : ""}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  console.log(out.join("\n"));
}

function run(command: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const [bin, ...args] = command as [string, ...string[]];
  const result = spawnSync(bin, args, { cwd, env, stdio: "inherit" });
  if (result.error) throw new Refused(`could not run ${bin}: ${result.error.message}`);
  if (result.status !== 0) throw new Refused(`${[bin, ...args].join(" ")} exited with ${result.status}`);
}

function missingBundleFiles(plans: readonly FunctionPlan[]): string[] {
  const missing: string[] = [];
  for (const p of plans) {
    const files = p.kind === "web" ? ["server.js", "scf_bootstrap"] : ["index.js"];
    for (const f of files) if (!existsSync(path.join(ROOT, "dist", p.name, f))) missing.push(`dist/${p.name}/${f}`);
  }
  return missing;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = parse(argv);
  const plans = await quietPlan();

  if (options.write) {
    for (const [rel, text] of expectedFiles(plans)) {
      mkdirSync(path.dirname(path.join(DEPLOY_DIR, rel)), { recursive: true });
      writeFileSync(path.join(DEPLOY_DIR, rel), text);
    }
    const extra = staleFiles(plans);
    console.log(`deploy/ written for ${plans.length} functions.`);
    if (extra.length > 0) console.log(`Remove folders of functions that no longer exist: ${extra.join(", ")}`);
    return extra.length > 0 ? 1 : 0;
  }

  const stale = staleFiles(plans);
  const tooLong = plans.filter((p) => functionName(p, options.stage).length > MAX_FUNCTION_NAME);
  const report = checkEnvironment(env, plans);
  printPlan(plans, options.stage, report);

  const problems = [
    ...(stale.length > 0 ? [`deploy/ is stale (${stale.join(", ")}): run npm run deploy -- --write`] : []),
    ...tooLong.map((p) => `${functionName(p, options.stage)}: longer than ${MAX_FUNCTION_NAME} characters`),
    ...report.problems,
  ];
  if (problems.length > 0) {
    console.error(`\nNot deploying:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    return 1;
  }
  if (options["dry-run"]) {
    console.log("\nDry run: nothing built, nothing deployed.");
    return 0;
  }

  if (!options["skip-build"]) run(["npm", "run", "build"], ROOT, env);
  const missing = missingBundleFiles(plans);
  if (missing.length > 0) throw new Refused(`build output missing: ${missing.join(", ")}`);

  const cli = env.WXCLAW_COMPONENTS_CLI ? [env.WXCLAW_COMPONENTS_CLI] : COMPONENTS_CLI;
  const childEnv = { ...report.childEnv, SERVERLESS_PLATFORM_VENDOR: "tencent" };
  // One instance at a time: they all create APIs in, and release, the same API Gateway service.
  for (const plan of plans) {
    console.log(`\n== ${functionName(plan, options.stage)} (${plan.route.method} ${plan.route.path})`);
    run([...cli, "deploy", "--target", `./${plan.name}`, "--stage", options.stage], DEPLOY_DIR, childEnv);
  }
  console.log(`\nDeployed ${plans.length} functions to stage ${options.stage}.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof Refused) && !(e instanceof TypeError)) throw e;
    // parseArgs reports unknown options as TypeError; neither carries a variable's value.
    console.error(`deploy: ${e.message}`);
    process.exitCode = 1;
  }
}
