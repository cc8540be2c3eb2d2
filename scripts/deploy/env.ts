/**
 * Checks the deploy environment before anything is built or sent. The Components CLI turns an
 * unset `${env:X}` into nothing at all, so a forgotten secret would deploy a function that
 * answers 503 — or one that talks to the wrong place. Reports names, never values.
 */
import { safeParse } from "zod/mini";
import { ENV, type EnvName } from "../../shared/config.js";
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

/** What the function does with the variable unset: its default, nothing (optional), or refuse. */
function whenUnset(name: EnvName): { status: Status; note: string } {
  const parsed = safeParse(ENV[name], undefined);
  if (!parsed.success) return { status: "missing", note: "" };
  return { status: "unset", note: parsed.data === undefined ? "optional" : `default ${String(parsed.data)}` };
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
  return used;
}

function checkContractVariable(name: EnvName, value: string | undefined): { status: Status; note: string } {
  if (!isSet(value)) return whenUnset(name);
  const parsed = safeParse(ENV[name], value);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "invalid";
    // A validation message never carries the value here, but make sure of it.
    return { status: "invalid", note: message.includes(value) ? "invalid value" : message };
  }
  const deadline = (DEADLINES as Partial<Record<EnvName, { maxMs: number }>>)[name];
  if (deadline && typeof parsed.data === "number" && parsed.data > deadline.maxMs) {
    return {
      status: "invalid",
      note: `above ${deadline.maxMs}, the most the function and API Gateway timeouts allow (scripts/deploy/plan.ts DEADLINES)`,
    };
  }
  return { status: "set", note: "" };
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
    } else rows.push({ name, status: "missing", usedBy: [], note: spec.meaning });
  }

  const users = new Map<EnvName, string[]>();
  for (const plan of plans) for (const v of plan.variables) users.set(v, [...(users.get(v) ?? []), plan.name]);
  for (const [name, usedBy] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
    const { status, note } = checkContractVariable(name, env[name]);
    // Unset optional variables stay out of the functions' environment instead of arriving as "undefined".
    if (!isSet(env[name])) delete childEnv[name];
    rows.push({ name, status, usedBy, note });
  }

  const problems = rows
    .filter((r) => r.status === "missing" || r.status === "invalid")
    .map((r) => `${r.name}: ${r.status}${r.note ? ` — ${r.note}` : ""}`);
  const warnings: string[] = [];
  if (users.has("OPENCLAW_TOKEN") && !isSet(env.OPENCLAW_TOKEN)) {
    warnings.push("OPENCLAW_TOKEN is unset: the OpenClaw gateway should require token auth (README, Deploy).");
  }
  return { rows, problems, warnings, childEnv };
}
