/**
 * What the account holds, read through the SCF API without changing anything: the namespace,
 * our functions (those whose names carry the prefix), and for each function the manifest names
 * its configuration, code hash, alias, function URL and reserved concurrency; and the custom
 * domain with its rules. With no credentials the account is read as empty.
 */
import { ALIAS, type FunctionPlan, RUNTIME } from "./plan.js";
import { describeFailure, isNotFound, type ScfClient } from "./scf-api.js";
import type { Settings } from "./settings.js";

export type FunctionType = "Event" | "HTTP";
export const typeOf = (kind: FunctionPlan["kind"]): FunctionType => (kind === "web" ? "HTTP" : "Event");

export type Deployed = NonNullable<Awaited<ReturnType<ScfClient["GetFunction"]>>>;
export type TriggerInfo = NonNullable<Awaited<ReturnType<ScfClient["ListTriggers"]>>["Triggers"]>[number];
export type Rule = NonNullable<Awaited<ReturnType<ScfClient["GetCustomDomain"]>>["EndpointsConfig"]>[number];

export interface ListedFunction {
  name: string;
  type: string;
  runtime: string;
}

export interface FunctionState {
  name: string;
  config: Deployed;
  codeSha256: string | undefined;
  aliasVersion: string | undefined;
  url: TriggerInfo | undefined;
  reservedMB: number | undefined;
}

export interface DomainState {
  protocol: string;
  certificateId: string;
  rules: Rule[];
}

export interface AccountState {
  /** False when there were no credentials: everything is planned as new. */
  read: boolean;
  namespaceExists: boolean;
  /** Our functions in the namespace, by name. */
  listed: Map<string, ListedFunction>;
  /** Details of the functions the manifest's functions resolve to, by name. */
  details: Map<string, FunctionState>;
  domain: DomainState | undefined;
}

export const emptyAccount = (): AccountState => ({
  read: false,
  namespaceExists: false,
  listed: new Map(),
  details: new Map(),
  domain: undefined,
});

async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw describeFailure(action, e);
  }
}

/** `run`'s answer, or undefined when the API says the thing does not exist. */
async function maybe<T>(action: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw describeFailure(action, e);
  }
}

const PAGE = 20;

async function namespaceExists(client: ScfClient, namespace: string): Promise<boolean> {
  for (let offset = 0; ; offset += PAGE) {
    const page = await call("ListNamespaces", () => client.ListNamespaces({ Limit: PAGE, Offset: offset }));
    const names = (page.Namespaces ?? []).map((n) => n.Name);
    if (names.includes(namespace)) return true;
    if (names.length < PAGE || offset + PAGE >= (page.TotalCount ?? 0)) return false;
  }
}

async function listOurs(client: ScfClient, settings: Settings): Promise<Map<string, ListedFunction>> {
  const out = new Map<string, ListedFunction>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await call("ListFunctions", () =>
      client.ListFunctions({ Namespace: settings.namespace, SearchKey: settings.prefix, Limit: PAGE, Offset: offset }),
    );
    const fns = page.Functions ?? [];
    for (const f of fns) {
      // SearchKey is a fuzzy match: keep only names that start with the prefix.
      if (f.FunctionName?.startsWith(settings.prefix)) {
        out.set(f.FunctionName, { name: f.FunctionName, type: f.Type ?? "Event", runtime: f.Runtime ?? "" });
      }
    }
    if (fns.length < PAGE || offset + PAGE >= (page.TotalCount ?? 0)) return out;
  }
}

/**
 * The names a manifest function may live under: `<prefix><name>`, or, while a function of the
 * other kind (or an older runtime) still holds that name, `<prefix><name>-web` / `-event`. SCF
 * cannot change a function's type or runtime in place, so a kind change creates the function
 * anew under the free name, switches the rules, and removes the old one.
 */
export const candidateNames = (prefix: string, name: string): string[] => [
  `${prefix}${name}`,
  `${prefix}${name}-web`,
  `${prefix}${name}-event`,
];

export interface Resolution {
  /** Where the function lives or will be created. */
  name: string;
  exists: boolean;
  /** Functions of this manifest name that cannot become it (other kind or runtime): removed after the switch. */
  replaced: string[];
}

const fits = (f: ListedFunction, plan: FunctionPlan) =>
  f.type === typeOf(plan.kind) && (f.runtime === "" || f.runtime === RUNTIME);

export function resolveName(plan: FunctionPlan, prefix: string, listed: Map<string, ListedFunction>): Resolution {
  const present = candidateNames(prefix, plan.name)
    .map((n) => listed.get(n))
    .filter((f): f is ListedFunction => f !== undefined);
  const match = present.find((f) => fits(f, plan));
  const replaced = present.filter((f) => f !== match).map((f) => f.name);
  if (match) return { name: match.name, exists: true, replaced };
  const [base] = candidateNames(prefix, plan.name) as [string];
  const name = listed.has(base) ? `${base}-${plan.kind}` : base;
  return { name, exists: false, replaced };
}

async function readFunction(client: ScfClient, settings: Settings, name: string): Promise<FunctionState> {
  const Namespace = settings.namespace;
  const config = await call("GetFunction", () => client.GetFunction({ FunctionName: name, Namespace }));
  const address = await call("GetFunctionAddress", () =>
    client.GetFunctionAddress({ FunctionName: name, Namespace, Qualifier: "$LATEST" }),
  );
  const alias = await maybe("GetAlias", () => client.GetAlias({ FunctionName: name, Name: ALIAS, Namespace }));
  const triggers = await call("ListTriggers", () =>
    client.ListTriggers({ FunctionName: name, Namespace, Limit: 100, Offset: 0 }),
  );
  const reserved = await call("GetReservedConcurrencyConfig", () =>
    client.GetReservedConcurrencyConfig({ FunctionName: name, Namespace }),
  );
  return {
    name,
    config,
    codeSha256: address.CodeSha256,
    aliasVersion: alias?.FunctionVersion,
    url: (triggers.Triggers ?? []).find((t) => t.Type === "http" && t.Qualifier === ALIAS),
    reservedMB: reserved.ReservedMem ?? undefined,
  };
}

export async function readAccount(
  client: ScfClient,
  settings: Settings,
  plans: readonly FunctionPlan[],
): Promise<AccountState> {
  const state: AccountState = { ...emptyAccount(), read: true };
  state.namespaceExists = await namespaceExists(client, settings.namespace);
  if (state.namespaceExists) {
    state.listed = await listOurs(client, settings);
    for (const plan of plans) {
      const r = resolveName(plan, settings.prefix, state.listed);
      if (r.exists) state.details.set(r.name, await readFunction(client, settings, r.name));
    }
  }
  if (settings.domain) {
    const domain = await maybe("GetCustomDomain", () => client.GetCustomDomain({ Domain: settings.domain }));
    if (domain) {
      state.domain = {
        protocol: domain.Protocol ?? "",
        certificateId: domain.CertConfig?.CertificateId ?? "",
        rules: domain.EndpointsConfig ?? [],
      };
    }
  }
  return state;
}
