/**
 * The deployment, derived: one Serverless Components `scf` instance per function in functions/,
 * each under deploy/<name>/serverless.yml, all in one app (deploy/serverless.yml is their parent).
 * Path, method and kind come from the route table; the variables each function gets, and so its
 * VPC, memory and timeout, come from what the function itself reads (probe.ts).
 *
 * Why not one `multi-scf` instance: that component (v0.3.x) rebuilds each API's `function` object
 * as {name, type, functionName, functionNamespace, functionQualifier}, and the toolkit reads
 * integrated response only from `endpoint.function.isFunctionResponse`, so it is always off and
 * every response would arrive as a JSON 200 wrapping ours. The `scf` component passes the
 * endpoint's `function` object through untouched.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import type { EnvName } from "../../shared/config.js";
import { functions, isFunctionName } from "../../shared/functions.js";
import { type RouteDef, type RouteName, routes } from "../../shared/routes.js";
import { functionNames, ROOT } from "../build.js";
import { variablesNeeded } from "./probe.js";

export const APP = "wxclaw-gateway";
export const DEPLOY_DIR = path.join(ROOT, "deploy");
export const DEFAULT_STAGE = "dev";
/** Stages become part of function names (`<fn>-<stage>-<app>`, at most 60 characters). */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;
export const MAX_FUNCTION_NAME = 60;

/** Variables of the deployment itself (not of the functions), with what happens when unset. */
export const DEPLOY_VARIABLES = {
  TENCENT_SECRET_ID: { required: true, meaning: "API key id the Components CLI deploys with" },
  TENCENT_SECRET_KEY: { required: true, meaning: "its secret key" },
  APIGW_SERVICE_ID: {
    required: true,
    meaning: "the one API Gateway service (service-…) every function's API is created in",
  },
  SCF_VPC_ID: { required: true, meaning: "VPC of TencentDB for Redis and OpenClaw (vpc-…)" },
  SCF_SUBNET_ID: { required: true, meaning: "subnet of that VPC the functions join (subnet-…)" },
  SCF_REGION: { default: "ap-guangzhou", meaning: "region of the functions, the VPC and the API service" },
  SCF_RUNTIME: { default: "Nodejs18.15", meaning: "SCF runtime; bundles target Node 18" },
  SCF_ROLE: {
    meaning: "execution role of the functions that read secrets from SSM (unset: the role set in the console stays)",
  },
} as const satisfies Record<string, { required?: true; default?: string; meaning: string }>;
export type DeployVariable = keyof typeof DEPLOY_VARIABLES;

/**
 * Upstream deadlines a request can wait on, the most the deployment accepts for each, and how
 * often one request can wait on it in a row (WeChat's "busy" answer, or a stale access token, is
 * retried once). Function and API Gateway timeouts are derived from these, so a longer deadline
 * means a redeploy, not a surprise.
 */
export const DEADLINES = {
  OPENCLAW_TIMEOUT_MS: { maxMs: 55_000, waits: 1 },
  WX_TIMEOUT_MS: { maxMs: 10_000, waits: 2 },
} as const satisfies Partial<Record<EnvName, { maxMs: number; waits: number }>>;
/**
 * Waits fixed in code rather than by a variable, keyed by the variable that reveals them: on a
 * cold instance the SSM secrets are fetched (in parallel, 3 s at most, shared/secrets).
 */
export const FIXED_WAITS = {
  SSM_REGION: { ms: 3_000 },
} as const satisfies Partial<Record<EnvName, { ms: number }>>;
/** Headroom on top of upstream waits: cold start, Redis (each call bounded to 1 s), response. */
export const OVERHEAD_S = 5;
/** Memory of every function (the contract allows 64 or 128 MB); why, see FunctionPlan.memoryMb. */
export const MEMORY_MB = 128;
/** Timeout of a function that waits on no upstream deadline. */
export const BASE_TIMEOUT_S = 10;

/**
 * Variables that put a function in the VPC (private addresses), or need the public internet
 * (WeChat's API; SSM's API unless SSM_ENDPOINT names a VPC endpoint). Add a function's new
 * upstream here.
 */
const PRIVATE_UPSTREAMS: readonly EnvName[] = ["REDIS_URL", "OPENCLAW_BASE_URL"];
const PUBLIC_UPSTREAMS: readonly EnvName[] = ["WX_API_BASE", "SSM_ENDPOINT"];
/** Reading secrets from SSM takes the function role's credentials. */
const NEEDS_ROLE: readonly EnvName[] = ["SSM_REGION"];

export interface FunctionPlan {
  name: RouteName;
  route: RouteDef;
  kind: "event" | "web";
  /** Contract variables the function reads, each passed as `${env:NAME}`. */
  variables: EnvName[];
  /**
   * 128 MB everywhere: serving 2000 requests in a bare Node process peaked at 78 MB (chat) and
   * 94 MB (login) RSS, and even health, with no client library, at 55 MB (bench/RESULTS.md) —
   * too close to 64 MB once SCF's own runtime shares the process.
   */
  memoryMb: 64 | 128;
  timeoutS: number;
  vpc: boolean;
  publicAccess: boolean;
  role: boolean;
}

export const envRef = (name: string) => `\${env:${name}}`;

/** Upstream waits of one request can follow each other (a WeChat check, then OpenClaw): they add up. */
export function timeoutFor(variables: readonly EnvName[]): number {
  let waitMs = 0;
  for (const [name, d] of Object.entries(DEADLINES)) {
    if (variables.includes(name as EnvName)) waitMs += d.maxMs * d.waits;
  }
  for (const [name, w] of Object.entries(FIXED_WAITS)) if (variables.includes(name as EnvName)) waitMs += w.ms;
  return waitMs === 0 ? BASE_TIMEOUT_S : Math.ceil(waitMs / 1000) + OVERHEAD_S;
}

export function planFunction(name: string, variables: EnvName[]): FunctionPlan {
  if (!Object.hasOwn(routes, name))
    throw new Error(`functions/${name} has no route named "${name}" in shared/routes.ts`);
  const route: RouteDef = routes[name as RouteName];
  const kind = isFunctionName(name) ? functions[name].kind : "event";
  const vpc = variables.some((v) => PRIVATE_UPSTREAMS.includes(v));
  return {
    name: name as RouteName,
    route,
    kind,
    variables,
    memoryMb: MEMORY_MB,
    timeoutS: timeoutFor(variables),
    vpc,
    publicAccess: !vpc || variables.some((v) => PUBLIC_UPSTREAMS.includes(v)),
    role: variables.some((v) => NEEDS_ROLE.includes(v)),
  };
}

/** Plans every function in functions/, asking each what it reads. */
export async function planAll(names: readonly string[] = functionNames()): Promise<FunctionPlan[]> {
  const plans: FunctionPlan[] = [];
  for (const name of names) plans.push(planFunction(name, await variablesNeeded(name)));
  return plans;
}

function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

/** The deploy/<name>/serverless.yml document of one function. */
export function instanceConfig(plan: FunctionPlan): Record<string, unknown> {
  const params = pathParams(plan.route.path);
  const endpoint: Record<string, unknown> = {
    path: plan.route.path,
    method: plan.route.method,
    serviceTimeout: plan.timeoutS,
    ...(params.length > 0
      ? { param: params.map((name) => ({ name, position: "PATH", required: true, type: "string" })) }
      : {}),
    // A Web function answers HTTP itself; an event function needs integrated response (§3).
    ...(plan.kind === "event" ? { function: { isFunctionResponse: true } } : {}),
  };
  const variables: Record<string, string> = {};
  for (const v of plan.variables) variables[v] = envRef(v);
  return {
    component: "scf",
    name: plan.name,
    inputs: {
      src: { src: `../../dist/${plan.name}` },
      type: plan.kind,
      ...(plan.kind === "event" ? { handler: "index.main_handler" } : {}),
      runtime: envRef("SCF_RUNTIME"),
      region: envRef("SCF_REGION"),
      memorySize: plan.memoryMb,
      timeout: plan.timeoutS,
      publicAccess: plan.publicAccess,
      ...(plan.role ? { role: envRef("SCF_ROLE") } : {}),
      ...(plan.vpc ? { vpcConfig: { vpcId: envRef("SCF_VPC_ID"), subnetId: envRef("SCF_SUBNET_ID") } } : {}),
      ...(plan.variables.length > 0 ? { environment: { variables } } : {}),
      events: [
        {
          apigw: {
            parameters: {
              serviceId: envRef("APIGW_SERVICE_ID"),
              protocols: ["https"],
              environment: "release",
              endpoints: [endpoint],
            },
          },
        },
      ],
    },
  };
}

const GENERATED =
  "# Generated by `npm run deploy -- --write` from shared/routes.ts and what the function reads.\n" +
  "# Do not edit: the deployment test fails when this file differs from what would be generated.\n";

export function renderInstance(plan: FunctionPlan): string {
  return GENERATED + stringify(instanceConfig(plan), { lineWidth: 0 });
}

export function renderParent(): string {
  return (
    "# The app of every function under deploy/<name>/ (the Components CLI reads this file as their\n" +
    "# parent). `npm run deploy -- --stage <stage>` replaces the stage.\n" +
    stringify({ app: APP, stage: DEFAULT_STAGE })
  );
}

/** Every file deploy/ must hold, relative to deploy/, with its text. */
export function expectedFiles(plans: readonly FunctionPlan[]): Map<string, string> {
  const files = new Map<string, string>([["serverless.yml", renderParent()]]);
  for (const plan of plans) files.set(path.join(plan.name, "serverless.yml"), renderInstance(plan));
  return files;
}

/** Files that differ from what would be generated, missing ones, and folders of no function. */
export function staleFiles(plans: readonly FunctionPlan[], dir = DEPLOY_DIR): string[] {
  const expected = expectedFiles(plans);
  const stale: string[] = [];
  for (const [rel, text] of expected) {
    let actual: string | undefined;
    try {
      actual = readFileSync(path.join(dir, rel), "utf8");
    } catch {
      actual = undefined;
    }
    if (actual !== text) stale.push(rel);
  }
  const present = existsSync(dir) ? readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory()) : [];
  for (const folder of present) {
    if (!expected.has(path.join(folder, "serverless.yml"))) stale.push(`${folder}/`);
  }
  return stale.sort();
}
