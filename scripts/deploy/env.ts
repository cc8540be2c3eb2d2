/**
 * Checks the deploy environment before anything is sent. The functions' variables are passed by
 * name from the deployer's environment, so a forgotten secret would deploy a function that
 * answers 503 — or one that talks to the wrong place. Each function's variables are judged by
 * the function's own configuration code (shared/config.ts loadConfig, with the groups it reads),
 * so any rule it has — defaults, formats, one variable standing in for another — applies here
 * too. Reports names, never values.
 */
import { safeParse } from "zod/mini";
import { ConfigInvalid, ENV, type EnvName, GROUPS, type Group, loadConfig } from "../../shared/config.js";
import { DEADLINES, type FunctionPlan } from "./plan.js";
import { DEPLOY_VARIABLES, type DeployVariable, type DeployVariableSpec, isSet, settingsProblems } from "./settings.js";

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
}

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

/** Whether the deployment needs `name` set, given what the functions need. */
function required(spec: DeployVariableSpec, plans: readonly FunctionPlan[]): boolean {
  return spec.required === "always" || (spec.required === "vpc" && plans.some((p) => p.vpc));
}

/** The state of a variable no function complained about. */
function accepted(name: EnvName, value: string | undefined): { status: Status; note: string } {
  if (isSet(value)) return { status: "set", note: "" };
  const parsed = safeParse(ENV[name], undefined);
  // Required in general, yet accepted: the function's configuration has it from elsewhere.
  if (!parsed.success) return { status: "unset", note: "not needed with this configuration" };
  return { status: "unset", note: parsed.data === undefined ? "optional" : `default ${String(parsed.data)}` };
}

/** Deadlines longer than the function timeouts were sized for. */
function deadlineProblem(name: EnvName, env: NodeJS.ProcessEnv): string | undefined {
  const deadline = (DEADLINES as Partial<Record<EnvName, { maxMs: number }>>)[name];
  const value = env[name];
  if (!deadline || !isSet(value) || !/^\d+$/.test(value.trim()) || Number(value) <= deadline.maxMs) return undefined;
  return `above ${deadline.maxMs}, the most the function timeouts allow (scripts/deploy/plan.ts DEADLINES)`;
}

export function checkEnvironment(env: NodeJS.ProcessEnv, plans: readonly FunctionPlan[]): EnvReport {
  const rows: VariableRow[] = [];
  const formats = settingsProblems(env);

  for (const name of Object.keys(DEPLOY_VARIABLES) as DeployVariable[]) {
    const spec: DeployVariableSpec = DEPLOY_VARIABLES[name];
    if (name === "SCF_ROLE" && !plans.some((p) => p.role)) continue;
    const format = formats.get(name);
    if (format) rows.push({ name, status: "invalid", usedBy: [], note: format });
    else if (isSet(env[name])) rows.push({ name, status: "set", usedBy: [], note: spec.meaning });
    else if (spec.default !== undefined) {
      rows.push({ name, status: "default", usedBy: [], note: `${spec.default} (${spec.meaning})` });
    } else if (required(spec, plans)) rows.push({ name, status: "missing", usedBy: [], note: spec.meaning });
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
    rows.push({ name, ...row });
  }

  const problems = rows
    .filter((r) => r.status === "missing" || r.status === "invalid")
    .map((r) => `${r.name}: ${r.status}${r.note ? ` — ${r.note}` : ""}`);
  const warnings: string[] = [];
  if (users.has("OPENCLAW_TOKEN") && !isSet(env.OPENCLAW_TOKEN) && !isSet(env.OPENCLAW_TOKEN_SSM_NAME)) {
    warnings.push("OPENCLAW_TOKEN is unset: the OpenClaw gateway should require token auth (docs/deploy.md).");
  }
  return { rows, problems, warnings };
}
