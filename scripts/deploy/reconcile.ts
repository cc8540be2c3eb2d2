/**
 * The steps that take the account from what it holds (account.ts) to what the manifest says,
 * in the order they must run: namespace; then each function (create or update its code and
 * configuration, wait until Active, publish a version, move the alias, reserved concurrency,
 * function URL); then the custom domain's rules; last, functions that were replaced (kind
 * change) or, with --prune, that the manifest no longer names. A dry run prints the steps; a
 * deploy runs them. Variable values go to the API only, never into a step's description.
 */
import { type AccountState, type Deployed, type FunctionState, type Rule, resolveName, typeOf } from "./account.js";
import { ALIAS, type FunctionPlan, RUNTIME } from "./plan.js";
import { describeFailure, type Req, type ScfClient } from "./scf-api.js";
import type { Settings } from "./settings.js";
import { type CodePackage, sameCode } from "./zip.js";

export type Verb = "create" | "update" | "publish" | "move" | "remove" | "keep" | "list";

export interface Step {
  verb: Verb;
  what: string;
  /** Absent for steps that only inform (keep, list). */
  run?: (ctx: RunContext) => Promise<void>;
}

export interface RunContext {
  client: ScfClient;
  /** Polls until a function is Active; throws past the deadline or on a failed status. */
  waitActive(name: string): Promise<void>;
  /** Version published in this run, by function name. */
  published: Map<string, string>;
}

export interface Desired {
  plan: FunctionPlan;
  pkg: CodePackage | undefined;
}

export interface ReconcileOptions {
  prune: boolean;
}

/** The function URL's TriggerDesc (SCF document 583/100227): open to anyone, public network only. */
export const URL_TRIGGER_DESC = { AuthType: "NONE", NetConfig: { EnableIntranet: false, EnableExtranet: true } };
export const URL_TRIGGER_NAME = `url-${ALIAS}`;

type Variable = { Key: string; Value: string };

function variables(plan: FunctionPlan, env: NodeJS.ProcessEnv): Variable[] {
  const out: Variable[] = [];
  for (const name of plan.variables) {
    const value = env[name];
    if (value !== undefined && value !== "" && value !== "undefined") out.push({ Key: name, Value: value });
  }
  return out.sort((a, b) => a.Key.localeCompare(b.Key));
}

/** The configuration fields UpdateFunctionConfiguration and CreateFunction share. */
function configuration(plan: FunctionPlan, settings: Settings, env: NodeJS.ProcessEnv) {
  return {
    MemorySize: plan.memoryMB,
    Timeout: plan.timeoutS,
    Environment: { Variables: variables(plan, env) },
    ...(plan.vpc ? { VpcConfig: { VpcId: settings.vpcId, SubnetId: settings.subnetId } } : {}),
    PublicNetConfig: {
      PublicNetStatus: plan.publicNet ? "ENABLE" : "DISABLE",
      EipConfig: { EipStatus: "DISABLE" },
    },
    ...(plan.role && settings.role ? { Role: settings.role } : {}),
    ...(plan.kind === "web" && plan.concurrency > 1
      ? {
          // Request-based static concurrency (SCF document 583/123892).
          InstanceConcurrencyConfig: {
            Type: "Request-Based",
            DynamicEnabled: "FALSE",
            MaxConcurrency: plan.concurrency,
          },
        }
      : {}),
  };
}

const handlerOf = (plan: FunctionPlan) => (plan.kind === "event" ? { Handler: plan.entry } : {});

function sameVariables(a: readonly Variable[], b: ReadonlyArray<{ Key?: string; Value?: string }>): boolean {
  const sorted = [...b].sort((x, y) => (x.Key ?? "").localeCompare(y.Key ?? ""));
  return a.length === sorted.length && a.every((v, i) => v.Key === sorted[i]?.Key && v.Value === sorted[i]?.Value);
}

/** The configuration fields that differ from the deployed function, by name. */
export function configDrift(plan: FunctionPlan, settings: Settings, env: NodeJS.ProcessEnv, d: Deployed): string[] {
  const want = configuration(plan, settings, env);
  const drift: string[] = [];
  if (d.MemorySize !== want.MemorySize) drift.push("memory");
  if (d.Timeout !== want.Timeout) drift.push("timeout");
  if (!sameVariables(want.Environment.Variables, d.Environment?.Variables ?? [])) drift.push("environment");
  const vpc = want.VpcConfig ?? { VpcId: "", SubnetId: "" };
  if ((d.VpcConfig?.VpcId ?? "") !== vpc.VpcId || (d.VpcConfig?.SubnetId ?? "") !== vpc.SubnetId) drift.push("vpc");
  if ((d.PublicNetConfig?.PublicNetStatus ?? "") !== want.PublicNetConfig.PublicNetStatus) drift.push("public network");
  if ("Role" in want && d.Role !== want.Role) drift.push("role");
  if (plan.kind === "web") {
    const deployed = d.InstanceConcurrencyConfig?.MaxConcurrency ?? 1;
    if (deployed !== plan.concurrency) drift.push("concurrency");
  }
  return drift;
}

function functionSteps(
  desired: Desired,
  state: FunctionState | undefined,
  name: string,
  settings: Settings,
  env: NodeJS.ProcessEnv,
): Step[] {
  const { plan, pkg } = desired;
  const Namespace = settings.namespace;
  const steps: Step[] = [];
  const shape = `${plan.kind}, ${plan.memoryMB} MB, ${plan.timeoutS} s${plan.kind === "web" ? `, concurrency ${plan.concurrency}` : ""}${plan.vpc ? ", in the VPC" : ""}`;
  const zipFile = () => {
    if (!pkg) throw new Error(`no code package for ${plan.name}`);
    return pkg.zip.toString("base64");
  };

  if (!state) {
    steps.push({
      verb: "create",
      what: `function ${name} (${shape}; variables: ${plan.variables.join(", ") || "none"})`,
      run: async (ctx) => {
        const req: Req<"CreateFunction"> = {
          FunctionName: name,
          Namespace,
          Type: typeOf(plan.kind),
          Runtime: RUNTIME,
          ...handlerOf(plan),
          Code: { ZipFile: zipFile() },
          CodeSource: "ZipFile",
          Description: `wxclaw-gateway ${plan.name} (${plan.kind})`,
          ...configuration(plan, settings, env),
        };
        await guarded("CreateFunction", () => ctx.client.CreateFunction(req));
        await ctx.waitActive(name);
      },
    });
  } else {
    const d = state.config;
    const codeChanged = !pkg || !sameCode(pkg, state.codeSha256) || (plan.kind === "event" && d.Handler !== plan.entry);
    if (codeChanged) {
      steps.push({
        verb: "update",
        what: `code of ${name}`,
        run: async (ctx) => {
          // A deploy cut short may have left it Updating: SCF refuses changes until it is Active.
          await ctx.waitActive(name);
          await guarded("UpdateFunctionCode", () =>
            ctx.client.UpdateFunctionCode({
              FunctionName: name,
              Namespace,
              ...handlerOf(plan),
              ZipFile: zipFile(),
              CodeSource: "ZipFile",
            }),
          );
          await ctx.waitActive(name);
        },
      });
    } else steps.push({ verb: "keep", what: `code of ${name} (same SHA-256, not uploaded)` });
    const drift = configDrift(plan, settings, env, d);
    if (drift.length > 0) {
      steps.push({
        verb: "update",
        what: `configuration of ${name}: ${drift.join(", ")}`,
        run: async (ctx) => {
          const want = configuration(plan, settings, env);
          const cancelConcurrency =
            plan.kind === "web" && plan.concurrency === 1 && (d.InstanceConcurrencyConfig?.MaxConcurrency ?? 1) > 1;
          await guarded("UpdateFunctionConfiguration", () =>
            ctx.client.UpdateFunctionConfiguration({
              FunctionName: name,
              Namespace,
              ...want,
              // Leaving the VPC is an empty VpcConfig; a function outside it is created with none.
              ...(!plan.vpc && d.VpcConfig?.VpcId ? { VpcConfig: { VpcId: "", SubnetId: "" } } : {}),
              // An empty DynamicEnabled cancels multi-concurrency (the SDK's InstanceConcurrencyConfig).
              ...(cancelConcurrency ? { InstanceConcurrencyConfig: { DynamicEnabled: "" } } : {}),
            }),
          );
          await ctx.waitActive(name);
        },
      });
    } else steps.push({ verb: "keep", what: `configuration of ${name}` });
  }

  steps.push({
    verb: "publish",
    what: `a version of ${name}`,
    run: async (ctx) => {
      const v = await guarded("PublishVersion", () =>
        ctx.client.PublishVersion({
          FunctionName: name,
          Namespace,
          Description: `deployed ${new Date().toISOString()}`,
        }),
      );
      if (!v.FunctionVersion) throw new Error(`PublishVersion of ${name} answered no version`);
      ctx.published.set(name, v.FunctionVersion);
      await ctx.waitActive(name);
    },
  });
  const aliasExists = state?.aliasVersion !== undefined;
  steps.push({
    verb: aliasExists ? "move" : "create",
    what: `alias ${ALIAS} of ${name} to the new version${aliasExists ? ` (from ${state?.aliasVersion})` : ""}`,
    run: async (ctx) => {
      const version = ctx.published.get(name) ?? "";
      const req = { FunctionName: name, Name: ALIAS, FunctionVersion: version, Namespace };
      if (aliasExists) await guarded("UpdateAlias", () => ctx.client.UpdateAlias(req));
      else await guarded("CreateAlias", () => ctx.client.CreateAlias(req));
    },
  });

  if (plan.reservedMB !== undefined && state?.reservedMB !== plan.reservedMB) {
    const mb = plan.reservedMB;
    steps.push({
      verb: state?.reservedMB === undefined ? "create" : "update",
      what: `reserved concurrency of ${name}: ${mb} MB`,
      run: async (ctx) => {
        await guarded("PutReservedConcurrencyConfig", () =>
          ctx.client.PutReservedConcurrencyConfig({ FunctionName: name, Namespace, ReservedConcurrencyMem: mb }),
        );
      },
    });
  }

  const desc = JSON.stringify(URL_TRIGGER_DESC);
  if (!state?.url) {
    steps.push({
      verb: "create",
      what: `function URL of ${name} on alias ${ALIAS} (public, auth NONE; address assigned on create)`,
      run: async (ctx) => {
        await guarded("CreateTrigger", () =>
          ctx.client.CreateTrigger({
            FunctionName: name,
            TriggerName: URL_TRIGGER_NAME,
            Type: "http",
            TriggerDesc: desc,
            Namespace,
            Qualifier: ALIAS,
            Enable: "OPEN",
          }),
        );
      },
    });
  } else if (!sameTriggerDesc(state.url.TriggerDesc)) {
    const triggerName = state.url.TriggerName ?? URL_TRIGGER_NAME;
    steps.push({
      verb: "update",
      what: `function URL of ${name}: public, auth NONE`,
      run: async (ctx) => {
        await guarded("UpdateTrigger", () =>
          ctx.client.UpdateTrigger({
            FunctionName: name,
            TriggerName: triggerName,
            Type: "http",
            TriggerDesc: desc,
            Namespace,
            Qualifier: ALIAS,
            Enable: "OPEN",
          }),
        );
      },
    });
  } else steps.push({ verb: "keep", what: `function URL of ${name}` });
  return steps;
}

function sameTriggerDesc(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return false;
    const auth = "AuthType" in parsed ? parsed.AuthType : undefined;
    const net = "NetConfig" in parsed ? parsed.NetConfig : undefined;
    return auth === "NONE" && JSON.stringify(net) === JSON.stringify(URL_TRIGGER_DESC.NetConfig);
  } catch {
    return false;
  }
}

async function guarded<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw describeFailure(action, e);
  }
}

const ruleKey = (r: Rule) => `${r.PathMatch} → ${r.FunctionName}:${r.Qualifier}`;

function domainSteps(
  desiredRules: Rule[],
  state: AccountState,
  settings: Settings,
  prune: boolean,
  removedFunctions: ReadonlySet<string>,
): Step[] {
  const steps: Step[] = [];
  const wanted = new Set(desiredRules.map((r) => r.PathMatch));
  const existing = state.domain?.rules ?? [];
  const strays = existing.filter((r) => !wanted.has(r.PathMatch));
  const keptStrays = prune ? [] : strays.filter((r) => !removedFunctions.has(r.FunctionName));
  for (const r of strays) {
    steps.push(
      prune || removedFunctions.has(r.FunctionName)
        ? { verb: "remove", what: `domain rule ${ruleKey(r)} (not in the manifest)` }
        : { verb: "list", what: `domain rule ${ruleKey(r)} is not in the manifest (--prune removes it)` },
    );
  }
  const rules = [...desiredRules, ...keptStrays];
  const before = new Map(existing.map((r) => [r.PathMatch, r]));
  for (const r of desiredRules) {
    const old = before.get(r.PathMatch);
    if (!old) steps.push({ verb: "create", what: `domain rule ${ruleKey(r)}` });
    else if (old.FunctionName !== r.FunctionName || old.Qualifier !== r.Qualifier || old.Namespace !== r.Namespace) {
      steps.push({ verb: "update", what: `domain rule ${r.PathMatch}: ${old.FunctionName} → ${r.FunctionName}` });
    }
  }
  const body = {
    Domain: settings.domain,
    Protocol: "HTTPS",
    CertConfig: { CertificateId: settings.certificateId },
    EndpointsConfig: rules,
  };
  const domainLabel = settings.domain || "(SCF_DOMAIN)";
  if (!state.domain) {
    steps.push({
      verb: "create",
      what: `custom domain ${domainLabel}, HTTPS only, ${rules.length} rules`,
      run: async (ctx) => {
        await guarded("CreateCustomDomain", () => ctx.client.CreateCustomDomain(body));
      },
    });
  } else {
    const full = (list: Rule[]) => JSON.stringify(list.map((r) => `${r.Namespace}/${ruleKey(r)}`).sort());
    const sameRules = full(existing) === full(rules);
    const same =
      sameRules && state.domain.protocol === "HTTPS" && state.domain.certificateId === settings.certificateId;
    if (same) steps.push({ verb: "keep", what: `custom domain ${domainLabel}` });
    else {
      steps.push({
        verb: "update",
        what: `custom domain ${domainLabel}, HTTPS only, ${rules.length} rules`,
        run: async (ctx) => {
          await guarded("UpdateCustomDomain", () => ctx.client.UpdateCustomDomain(body));
        },
      });
    }
  }
  return steps;
}

/** Every step of a deploy, in order. */
export function reconcile(
  desired: readonly Desired[],
  state: AccountState,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  options: ReconcileOptions,
): Step[] {
  const steps: Step[] = [];
  const Namespace = settings.namespace;
  if (!state.namespaceExists) {
    steps.push({
      verb: "create",
      what: `namespace ${Namespace}`,
      run: async (ctx) => {
        await guarded("CreateNamespace", () =>
          ctx.client.CreateNamespace({ Namespace, Description: "wxclaw-gateway functions" }),
        );
      },
    });
  }

  const claimed = new Set<string>();
  const replaced: string[] = [];
  const rules: Rule[] = [];
  for (const d of desired) {
    const r = resolveName(d.plan, settings.prefix, state.listed);
    for (const n of [r.name, ...r.replaced]) claimed.add(n);
    replaced.push(...r.replaced);
    if (r.replaced.length > 0) {
      steps.push({
        verb: "list",
        what: `${r.replaced.join(", ")} cannot become a ${d.plan.kind} function in place: ${d.plan.name} is created as ${r.name}`,
      });
    }
    steps.push(...functionSteps(d, r.exists ? state.details.get(r.name) : undefined, r.name, settings, env));
    for (const PathMatch of d.plan.pathMatch)
      rules.push({ Namespace, FunctionName: r.name, Qualifier: ALIAS, PathMatch });
  }

  const unnamed = [...state.listed.keys()].filter((n) => !claimed.has(n)).sort();
  const removed = new Set([...replaced, ...(options.prune ? unnamed : [])]);
  steps.push(...domainSteps(rules, state, settings, options.prune, removed));

  for (const name of replaced) {
    steps.push({ verb: "remove", what: `function ${name} (replaced)`, run: removeFunction(name, Namespace) });
  }
  for (const name of unnamed) {
    steps.push(
      options.prune
        ? { verb: "remove", what: `function ${name} (not in the manifest)`, run: removeFunction(name, Namespace) }
        : { verb: "list", what: `function ${name} is not in the manifest (--prune removes it)` },
    );
  }
  return steps;
}

const removeFunction = (name: string, Namespace: string) => async (ctx: RunContext) => {
  await guarded("DeleteFunction", () => ctx.client.DeleteFunction({ FunctionName: name, Namespace }));
};

/** The steps of `--rollback`: each function's alias back to the version published before the one it names. */
export async function rollbackSteps(
  client: ScfClient,
  plans: readonly FunctionPlan[],
  state: AccountState,
  settings: Settings,
): Promise<Step[]> {
  const steps: Step[] = [];
  const Namespace = settings.namespace;
  for (const plan of plans) {
    const r = resolveName(plan, settings.prefix, state.listed);
    const current = r.exists ? state.details.get(r.name)?.aliasVersion : undefined;
    if (!current) {
      steps.push({ verb: "list", what: `${r.name} has no alias ${ALIAS}: nothing to roll back` });
      continue;
    }
    const versions = await guarded("ListVersionByFunction", () =>
      client.ListVersionByFunction({ FunctionName: r.name, Namespace, Limit: 100, Offset: 0, Order: "DESC" }),
    );
    const numbers = (versions.Versions ?? [])
      .map((v) => v.Version)
      .filter((v) => /^\d+$/.test(v))
      .map(Number);
    const previous = Math.max(...numbers.filter((n) => n < Number(current)));
    if (!Number.isFinite(previous)) {
      steps.push({ verb: "list", what: `${r.name}: no version before ${current}` });
      continue;
    }
    steps.push({
      verb: "move",
      what: `alias ${ALIAS} of ${r.name} from version ${current} back to ${previous}`,
      run: async (ctx) => {
        await guarded("UpdateAlias", () =>
          ctx.client.UpdateAlias({ FunctionName: r.name, Name: ALIAS, FunctionVersion: String(previous), Namespace }),
        );
      },
    });
  }
  return steps;
}
