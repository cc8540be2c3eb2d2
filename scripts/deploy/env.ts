/**
 * Checks the deploy environment before anything is built or sent. The Components CLI turns an
 * unset `${env:X}` into nothing at all, so a forgotten secret would deploy a function that
 * answers 503 — or one that talks to the wrong place. Each function's variables are judged by
 * the function's own configuration code (shared/config.ts loadConfig, with the groups it reads),
 * so any rule it has — defaults, formats, one variable standing in for another — applies here
 * too. Reports names, never values.
 */
import { safeParse } from "zod/mini";
import { ConfigInvalid, ENV, type EnvName, GROUPS, type Group, loadConfig } from "../../shared/config.js";
import { DEADLINES, DEPLOY_VARIABLES, type DeployVariable, type FunctionPlan } from "./plan.js";

export type Status = "set" | "default" | "missing" | "invalid" | "unset";

export interface VariableRow {
  name: string;
  status: Status;
  /** Functions that receive it; empty for variables of the deployment itself. */
  usedBy: string[];
  note: string;
}

export interface EnvReport {
  rows: VariableRow[];
  /** One line per missing or invalid variable, naming it. */
  problems: string[];
  warnings: string[];
  /** The environment the CLI runs with: the given one plus the deployment's defaults. */
  childEnv: NodeJS.ProcessEnv;
}

/** Deploy tooling writes "undefined" for an unset `${env:X}`; the functions treat it as unset too. */
export const isSet = (value: string | undefined): value is string =>
  value !== undefined && value !== "" && value !== "undefined";

/** The config groups a function asks for: loadConfig reads every variable of each group it is given. */
export function groupsOf(variables: readonly EnvName[]): Group[] {
  return (Object.keys(GROUPS) as Group[]).filter((g) =>
    (GROUPS[g] as readonly EnvName[]).every((v) => variables.includes(v)),
  );
}

/** What the function's configuration says about `env`: variable name → reason, none when valid. */
function judgedByFunction(env: NodeJS.ProcessEnv, plan: FunctionPlan): Map<string, string> {
  try {
    loadConfig(env, groupsOf(plan.variables));
    return new Map();
  } catch (e) {
    if (!(e instanceof ConfigInvalid)) throw e;
    // "configuration invalid: NAME: reason; NAME: reason" — the reasons never carry a value.
    const detail = (e.operatorNote ?? "").replace(/^configuration invalid: /, "");
    const reasons = new Map<string, string>();
    for (const part of detail.split("; ")) {
      const at = part.indexOf(": ");
      if (at > 0) reasons.set(part.slice(0, at), part.slice(at + 2));
    }
    for (const name of e.variables) if (!reasons.has(name)) reasons.set(name, "invalid");
    return reasons;
  }
}

function deployVariablesUsed(plans: readonly FunctionPlan[]): DeployVariable[] {
  const used: DeployVariable[] = [
    "TENCENT_SECRET_ID",
    "TENCENT_SECRET_KEY",
    "APIGW_SERVICE_ID",
    "SCF_REGION",
    "SCF_RUNTIME",
  ];
  if (plans.some((p) => p.vpc)) used.push("SCF_VPC_ID", "SCF_SUBNET_ID");
  if (plans.some((p) => p.role)) used.push("SCF_ROLE");
  return used;
}

/** The state of a variable no function complained about. */
function accepted(name: EnvName, value: string | undefined): { status: Status; note: string } {
  if (isSet(value)) return { status: "set", note: "" };
  const parsed = safeParse(ENV[name], undefined);
  // Required in general, yet accepted: the function's configuration has it from elsewhere.
  if (!parsed.success) return { status: "unset", note: "not needed with this configuration" };
  return { status: "unset", note: parsed.data === undefined ? "optional" : `default ${String(parsed.data)}` };
}

/** Deadlines longer than the function and API Gateway timeouts were sized for. */
function deadlineProblem(name: EnvName, env: NodeJS.ProcessEnv): string | undefined {
  const deadline = (DEADLINES as Partial<Record<EnvName, { maxMs: number }>>)[name];
  const value = env[name];
  if (!deadline || !isSet(value) || !/^\d+$/.test(value.trim()) || Number(value) <= deadline.maxMs) return undefined;
  return `above ${deadline.maxMs}, the most the function and API Gateway timeouts allow (scripts/deploy/plan.ts DEADLINES)`;
}

export function checkEnvironment(env: NodeJS.ProcessEnv, plans: readonly FunctionPlan[]): EnvReport {
  const rows: VariableRow[] = [];
  const childEnv: NodeJS.ProcessEnv = { ...env };

  for (const name of deployVariablesUsed(plans)) {
    const spec: { required?: true; default?: string; meaning: string } = DEPLOY_VARIABLES[name];
    if (isSet(env[name])) rows.push({ name, status: "set", usedBy: [], note: spec.meaning });
    else if (spec.default !== undefined) {
      childEnv[name] = spec.default;
      rows.push({ name, status: "default", usedBy: [], note: `${spec.default} (${spec.meaning})` });
    } else if (spec.required) rows.push({ name, status: "missing", usedBy: [], note: spec.meaning });
    else rows.push({ name, status: "unset", usedBy: [], note: spec.meaning });
  }

  const users = new Map<EnvName, string[]>();
  const complaints = new Map<string, string>();
  for (const plan of plans) {
    for (const v of plan.variables) users.set(v, [...(users.get(v) ?? []), plan.name]);
    for (const [name, reason] of judgedByFunction(env, plan)) if (!complaints.has(name)) complaints.set(name, reason);
  }
  for (const [name, usedBy] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
    const reason = complaints.get(name) ?? deadlineProblem(name, env);
    const row =
      reason === undefined
        ? { ...accepted(name, env[name]), usedBy }
        : {
            status: (reason === "missing" ? "missing" : "invalid") as Status,
            note: reason === "missing" ? "" : reason,
            usedBy,
          };
    // Unset optional variables stay out of the functions' environment instead of arriving as "undefined".
    if (!isSet(env[name])) delete childEnv[name];
    rows.push({ name, ...row });
  }

  const problems = rows
    .filter((r) => r.status === "missing" || r.status === "invalid")
    .map((r) => `${r.name}: ${r.status}${r.note ? ` — ${r.note}` : ""}`);
  const warnings: string[] = [];
  if (users.has("OPENCLAW_TOKEN") && !isSet(env.OPENCLAW_TOKEN) && !isSet(env.OPENCLAW_TOKEN_SSM_NAME)) {
    warnings.push("OPENCLAW_TOKEN is unset: the OpenClaw gateway should require token auth (README, Deploy).");
  }
  return { rows, problems, warnings, childEnv };
}
