/**
 * `npm run deploy -- [--dry-run] [--rollback] [--prune] [--skip-build] [--dist <dir>] [--wait <s>]`
 *
 * Reconciles the account with dist/routes.json through the SCF API (scripts/deploy/*): builds
 * first unless --skip-build, checks every variable the deployment and the functions need (names
 * only, never a value), reads the account, prints the plan, and unless --dry-run carries it out.
 * `--help` lists every option.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildAll, ROOT } from "./build.js";
import { type AccountState, emptyAccount, readAccount } from "./deploy/account.js";
import { checkEnvironment, type EnvReport } from "./deploy/env.js";
import { type DeployOptions, helpText, parseOptions, UsageError } from "./deploy/options.js";
import { ALIAS, FUNCTION_NAME, type FunctionPlan, planAll } from "./deploy/plan.js";
import { type Desired, type RunContext, reconcile, rollbackSteps, type Step } from "./deploy/reconcile.js";
import { describeFailure, scfClient } from "./deploy/scf-api.js";
import { readSettings, type Settings } from "./deploy/settings.js";
import { packageFolder } from "./deploy/zip.js";
import { MANIFEST_FILE, Manifest } from "./manifest.js";

export interface DeployIo {
  out(text: string): void;
  err(text: string): void;
  /** Between status polls while waiting for Active. */
  pollMs: number;
}

const consoleIo: DeployIo = { out: (t) => console.log(t), err: (t) => console.error(t), pollMs: 1000 };

class Refused extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadManifest(dist: string, options: DeployOptions, io: DeployIo): Promise<Manifest> {
  const file = path.join(dist, MANIFEST_FILE);
  if (!options.skipBuild && !(options.rollback && existsSync(file))) {
    io.out(`Building into ${path.relative(ROOT, dist) || "."}/ …`);
    await buildAll(dist);
  }
  if (!existsSync(file)) {
    throw new Refused(`${file} is missing: run npm run build first, or drop --skip-build`);
  }
  const parsed = Manifest.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Refused(`${file} is not a valid manifest: ${parsed.error.message}`);
  return parsed.data;
}

function missingFiles(dist: string, plans: readonly FunctionPlan[]): string[] {
  const missing: string[] = [];
  for (const p of plans) {
    const files = p.kind === "web" ? ["server.js", "scf_bootstrap"] : ["index.js"];
    for (const f of files) if (!existsSync(path.join(dist, p.name, f))) missing.push(`${p.name}/${f}`);
  }
  return missing;
}

const scfName = (settings: Settings, plan: FunctionPlan) => `${settings.prefix}${plan.name}`;

function describePlan(
  plans: readonly FunctionPlan[],
  settings: Settings,
  report: EnvReport,
  state: AccountState,
  steps: readonly Step[],
  options: DeployOptions,
): string {
  const out: string[] = [
    `Deploy plan${options.rollback ? " (rollback)" : ""}: ${plans.length} functions, region ${settings.region || "(SCF_REGION unset)"}, namespace ${settings.namespace}, alias ${ALIAS}`,
    state.read
      ? `Account: read through ${settings.endpoint.host}.`
      : "Account: not read (no credentials): planned against an empty account.",
    "",
    "Functions:",
  ];
  for (const p of plans) {
    const net = [p.vpc ? "VPC" : "", p.publicNet ? "public network" : "", p.role ? "role" : ""].filter(Boolean);
    const type = p.kind === "web" ? `web (HTTP, concurrency ${p.concurrency})` : "event";
    out.push(
      `  ${scfName(settings, p)}  ${type}  ${p.memoryMB} MB  ${p.timeoutS} s  ${net.join(" + ")}${p.reservedMB ? `  reserved ${p.reservedMB} MB` : ""}`,
      `    rules: ${p.pathMatch.join(", ")}`,
      `    variables: ${p.variables.join(", ") || "(none)"}`,
      `    function URL: ${state.read && state.listed.has(scfName(settings, p)) ? "existing" : "assigned on create"}`,
    );
  }
  out.push(
    "",
    `Custom domain: ${settings.domain || "(SCF_DOMAIN unset)"}, HTTPS only, certificate from SCF_CERTIFICATE_ID`,
  );
  for (const p of plans) for (const r of p.pathMatch) out.push(`  ${r} → ${scfName(settings, p)}:${ALIAS}`);
  out.push("", "Variables (names only):");
  for (const r of report.rows) {
    const users = r.usedBy.length > 0 ? ` [${r.usedBy.join(", ")}]` : "";
    out.push(`  ${r.status.padEnd(8)} ${r.name}${users}${r.note ? ` — ${r.note}` : ""}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  out.push("", "Steps:");
  for (const s of steps) out.push(`  ${s.verb.padEnd(8)} ${s.what}`);
  return out.join("\n");
}

function runContext(client: RunContext["client"], settings: Settings, options: DeployOptions, io: DeployIo) {
  const ctx: RunContext = {
    client,
    published: new Map(),
    async waitActive(name) {
      const deadline = Date.now() + options.waitS * 1000;
      for (;;) {
        let status: string | undefined;
        let reasons = "";
        try {
          const f = await client.GetFunction({ FunctionName: name, Namespace: settings.namespace });
          status = f.Status;
          reasons = (f.StatusReasons ?? []).map((r) => `${r.ErrorCode}: ${r.ErrorMessage}`).join("; ");
        } catch (e) {
          throw describeFailure("GetFunction", e);
        }
        if (status === "Active") return;
        if (status?.endsWith("Failed")) throw new Refused(`${name} is ${status}${reasons ? `: ${reasons}` : ""}`);
        if (Date.now() > deadline) throw new Refused(`${name} still ${status ?? "unknown"} after ${options.waitS} s`);
        await sleep(io.pollMs);
      }
    },
  };
  return ctx;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: DeployIo = consoleIo): Promise<number> {
  let options: DeployOptions;
  try {
    options = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`deploy: ${e.message}\n\n${helpText()}`);
    return 2;
  }
  if (options.help) {
    io.out(helpText());
    return 0;
  }
  try {
    return await deploy(options, env, io);
  } catch (e) {
    if (e instanceof Refused || (e instanceof Error && e.name === "ApiFailure")) {
      io.err(`deploy: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

async function deploy(options: DeployOptions, env: NodeJS.ProcessEnv, io: DeployIo): Promise<number> {
  const dist = path.resolve(ROOT, options.dist);
  const manifest = await loadManifest(dist, options, io);
  const settings = readSettings(env);
  const plans = await planAll(manifest, settings.chatConcurrency);
  const report = checkEnvironment(env, plans);
  const problems = [...report.problems];
  for (const p of plans) {
    const name = scfName(settings, p);
    if (!FUNCTION_NAME.test(`${name}-event`)) problems.push(`${name}: not a valid SCF function name (2–60 characters)`);
  }
  const missing = options.rollback ? [] : missingFiles(dist, plans);
  if (missing.length > 0) problems.push(`build output missing in ${options.dist}/: ${missing.join(", ")}`);

  const client = settings.credentials ? scfClient(settings.endpoint, settings.region, settings.credentials) : undefined;
  const state = client && settings.region ? await readAccount(client, settings, plans) : emptyAccount();

  let steps: Step[];
  if (options.rollback) {
    steps = client ? await rollbackSteps(client, plans, state, settings) : [];
  } else {
    const desired: Desired[] = [];
    for (const plan of plans) {
      const dir = path.join(dist, plan.name);
      desired.push({ plan, pkg: existsSync(dir) && missing.length === 0 ? await packageFolder(dir) : undefined });
    }
    steps = reconcile(desired, state, settings, env, { prune: options.prune });
  }
  io.out(describePlan(plans, settings, report, state, steps, options));

  if (options.dryRun) {
    if (problems.length > 0) io.out(`\nA deploy would stop here:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    if (options.rollback && !client) io.out("\nA rollback reads the account: set the credentials to see its steps.");
    io.out("\nDry run: nothing changed.");
    return 0;
  }
  if (problems.length > 0 || !client) {
    io.err(`\nNot deploying:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    return 1;
  }

  const ctx = runContext(client, settings, options, io);
  io.out("");
  for (const step of steps) {
    if (!step.run) continue;
    await step.run(ctx);
    io.out(`done     ${step.verb} ${step.what}`);
  }
  io.out(
    options.rollback
      ? `\nRolled back ${steps.filter((s) => s.run).length} aliases.`
      : `\nDeployed ${plans.length} functions behind https://${settings.domain}/ (alias ${ALIAS}).`,
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
