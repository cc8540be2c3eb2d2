/**
 * What each function should be on SCF, from dist/routes.json (kind, rules, memory, timeout,
 * request concurrency) and from what its routes declare (shared/needs.ts): its variables, and so
 * whether it joins the VPC, needs the public internet or an execution role.
 */
import type { EnvName } from "../../shared/config.js";
import { isFunctionName } from "../../shared/functions.js";
import { DEEP_CHECK_MS } from "../../shared/health/deep.js";
import { variablesOfFunction } from "../../shared/needs.js";
import type { Manifest, ManifestFunction } from "../manifest.js";

export const RUNTIME = "Nodejs18.15";
/** The alias every function URL and domain rule points at; a deploy or a rollback moves it. */
export const ALIAS = "live";
/** SCF function names: 2–60 characters, a letter first, no dash or underscore last. */
export const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;

/**
 * Upstream deadlines a request can wait on, the most the deployment accepts for each, and how
 * often one request can wait on it in a row (WeChat's "busy" answer, or a stale access token, is
 * retried once). Function timeouts (shared/functions.ts `timeoutS`) are these sums; a test keeps
 * them equal, so a longer deadline means a redeploy, not a surprise.
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
/**
 * Functions that bound every upstream wait themselves, whatever the deadline variables say: the
 * deep health check probes Redis and OpenClaw at once, each within DEEP_CHECK_MS.
 */
export const OWN_DEADLINE_MS: Readonly<Record<string, number>> = { health: DEEP_CHECK_MS };
/** Headroom on top of upstream waits: cold start, Redis (each call bounded to 1 s), response. */
export const OVERHEAD_S = 5;
/** Timeout of a function that waits on no upstream deadline. */
export const BASE_TIMEOUT_S = 10;

/**
 * Reserved concurrency, in MB of instance memory (SCF counts it so): login keeps 50 instances of
 * 128 MB for itself, so a flood of chats cannot take the account's whole concurrency and leave
 * sign-in waiting. Why 50: docs/deploy.md, "Reserved concurrency for login".
 */
export const RESERVED_MB: Readonly<Record<string, number>> = { login: 50 * 128 };

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
  /** The manifest's name, e.g. `chat`. */
  name: string;
  kind: "event" | "web";
  /** `index.main_handler`, or `scf_bootstrap` for a Web function. */
  entry: string;
  memoryMB: number;
  timeoutS: number;
  concurrency: number;
  /** The custom domain's PathMatch rules that lead here. */
  pathMatch: string[];
  /** Contract variables the function reads; each is passed by name from the deployer's environment. */
  variables: EnvName[];
  vpc: boolean;
  publicNet: boolean;
  role: boolean;
  /** Reserved concurrency in MB, when the function has some. */
  reservedMB: number | undefined;
}

/** Upstream waits of one request can follow each other (a WeChat check, then OpenClaw): they add up. */
export function timeoutFor(variables: readonly EnvName[], ownDeadlineMs?: number): number {
  let waitMs = ownDeadlineMs ?? 0;
  for (const [name, d] of Object.entries(DEADLINES)) {
    if (ownDeadlineMs === undefined && variables.includes(name as EnvName)) waitMs += d.maxMs * d.waits;
  }
  for (const [name, w] of Object.entries(FIXED_WAITS)) if (variables.includes(name as EnvName)) waitMs += w.ms;
  return waitMs === 0 ? BASE_TIMEOUT_S : Math.ceil(waitMs / 1000) + OVERHEAD_S;
}

export function planFunction(fn: ManifestFunction, variables: EnvName[]): FunctionPlan {
  const vpc = variables.some((v) => PRIVATE_UPSTREAMS.includes(v));
  return {
    name: fn.name,
    kind: fn.kind,
    entry: fn.entry,
    memoryMB: fn.memoryMB,
    timeoutS: fn.timeoutS,
    concurrency: fn.kind === "web" ? fn.concurrency : 1,
    pathMatch: fn.pathMatch,
    variables,
    vpc,
    publicNet: !vpc || variables.some((v) => PUBLIC_UPSTREAMS.includes(v)),
    role: variables.some((v) => NEEDS_ROLE.includes(v)),
    reservedMB: RESERVED_MB[fn.name],
  };
}

/**
 * Plans every function of the manifest with the variables its routes declare (shared/needs.ts);
 * `chatConcurrency` (SCF_CHAT_CONCURRENCY) overrides the measured default of the chat function.
 */
export async function planAll(manifest: Manifest, chatConcurrency?: number): Promise<FunctionPlan[]> {
  return manifest.functions.map((fn) => {
    if (!isFunctionName(fn.name))
      throw new Error(`dist/routes.json names ${fn.name}, which shared/functions.ts does not`);
    const tuned = fn.name === "chat" && chatConcurrency !== undefined ? { ...fn, concurrency: chatConcurrency } : fn;
    return planFunction(tuned, variablesOfFunction(fn.name));
  });
}
