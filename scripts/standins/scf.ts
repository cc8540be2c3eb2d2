/**
 * A local Tencent Cloud SCF API (version 2018-04-16) for the deployer's tests, in the real wire
 * format: HTTP 200 with `{"Response": {…, RequestId}}` or `{"Response": {"Error": {Code,
 * Message}, RequestId}}`.
 *
 * Every request is checked the way the real API would refuse it:
 * - the TC3-HMAC-SHA256 signature, credential scope, timestamp, session token (./tc3.ts);
 * - its fields against the request interface the official SDK declares for the action
 *   (`<Action>Request` in the SDK's scf_models.d.ts, read with the TypeScript compiler API):
 *   required fields present, no field the SDK does not know, every field of its declared type;
 * - values the documents constrain (./scf-rules.ts), among them the function URL's TriggerDesc
 *   JSON (SCF document 583/100227), and a Web function's package holding an executable
 *   `scf_bootstrap` (583/56126).
 *
 * It keeps state — namespaces, functions with their code, versions, aliases, triggers, reserved
 * concurrency, custom domains — and, like SCF, changes a function asynchronously: after a
 * create, update or publish it reports Creating / Updating / Publishing for `pollsUntilActive`
 * GetFunction calls, and refuses another change meanwhile. It is a test tool: nothing deployed
 * points at it.
 */
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { z } from "zod";
import { type Running, readBody, serveOn } from "./http.js";
import * as rules from "./scf-rules.js";
import { fieldProblems, type Models, modelsFile, readModels } from "./sdk-models.js";
import { checkApiRequest, Refusal, type Tc3Keys } from "./tc3.js";
import { readZip } from "./zip-entries.js";

export const SCF_VERSION = "2018-04-16";

type Params = Record<string, unknown>;
type Variable = { Key: string; Value: string };

interface Snapshot {
  memory: number;
  timeout: number;
  handler: string | undefined;
  sha256: string;
  variables: Variable[];
}

export interface StandinFunction {
  name: string;
  namespace: string;
  type: "Event" | "HTTP";
  runtime: string;
  handler: string | undefined;
  description: string;
  memory: number;
  timeout: number;
  variables: Variable[];
  vpc: { VpcId: string; SubnetId: string };
  publicNet: string;
  role: string | undefined;
  maxConcurrency: number | undefined;
  zip: Buffer;
  sha256: string;
  status: string;
  pendingPolls: number;
  versions: Map<string, Snapshot>;
  aliases: Map<string, string>;
  triggers: Map<string, { Type: string; Qualifier: string; TriggerDesc: string; Enable: string }>;
  reservedMB: number | undefined;
}

export interface StandinDomain {
  Domain: string;
  Protocol: string;
  CertConfig: { CertificateId?: string } | undefined;
  EndpointsConfig: Array<{ Namespace: string; FunctionName: string; Qualifier: string; PathMatch: string }>;
}

export interface ScfCall {
  action: string;
  /** The request's parameters, with code packages left out. */
  params: Params;
}

export interface ScfStandin extends Running {
  /** Accepted requests, in order. */
  readonly calls: ScfCall[];
  /** Refused requests, "Action: Code: why", in order (ResourceNotFound answers are not refusals). */
  readonly refused: string[];
  readonly namespaces: Set<string>;
  /** Functions by `<namespace>/<name>`. */
  readonly functions: Map<string, StandinFunction>;
  readonly domains: Map<string, StandinDomain>;
  fn(name: string, namespace?: string): StandinFunction | undefined;
}

export interface ScfOptions extends Tc3Keys {
  region: string;
  /** GetFunction answers before a changing function turns Active. */
  pollsUntilActive?: number;
  port?: number;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new Refusal(`InvalidParameterValue.${field}`, `${field}: ${r.error.issues.map((i) => i.message).join("; ")}`);
  }
  return r.data;
}

const str = (p: Params, k: string): string | undefined => (typeof p[k] === "string" ? p[k] : undefined);
const num = (p: Params, k: string): number | undefined => (typeof p[k] === "number" ? p[k] : undefined);
const obj = (p: Params, k: string): Params | undefined => {
  const v = p[k];
  return typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : undefined;
};

function variablesOf(p: Params): Variable[] | undefined {
  const env = obj(p, "Environment");
  if (!env) return undefined;
  const list = Array.isArray(env.Variables) ? env.Variables : [];
  return list
    .map((v: unknown) => (typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v)) : {}))
    .map((v: Params) => ({ Key: str(v, "Key") ?? "", Value: str(v, "Value") ?? "" }));
}

export async function startScfStandin(options: ScfOptions): Promise<ScfStandin> {
  const models: Models = readModels(modelsFile("tencentcloud-sdk-nodejs-scf", "scf", "v20180416"));
  const polls = options.pollsUntilActive ?? 2;
  const calls: ScfCall[] = [];
  const refused: string[] = [];
  const namespaces = new Set(["default"]);
  const functions = new Map<string, StandinFunction>();
  const domains = new Map<string, StandinDomain>();

  const key = (p: Params) => `${str(p, "Namespace") ?? "default"}/${str(p, "FunctionName") ?? ""}`;
  const namespaceOf = (p: Params) => {
    const ns = str(p, "Namespace") ?? "default";
    if (!namespaces.has(ns)) throw new Refusal("ResourceNotFound.Namespace", `namespace ${ns} does not exist`);
    return ns;
  };
  const existing = (p: Params): StandinFunction => {
    namespaceOf(p);
    const f = functions.get(key(p));
    if (!f) throw new Refusal("ResourceNotFound.Function", `function ${str(p, "FunctionName")} does not exist`);
    return f;
  };
  const idle = (f: StandinFunction, action: string) => {
    if (f.status !== "Active") {
      throw new Refusal("FailedOperation", `${action}: function ${f.name} is ${f.status}; wait until Active`);
    }
  };
  const change = (f: StandinFunction, status: string) => {
    f.status = status;
    f.pendingPolls = polls;
  };

  async function code(base64: unknown, type: "Event" | "HTTP"): Promise<{ zip: Buffer; sha256: string }> {
    const zip = Buffer.from(parse(rules.Base64, base64, "ZipFile"), "base64");
    let entries: Awaited<ReturnType<typeof readZip>>;
    try {
      entries = await readZip(zip);
    } catch {
      throw new Refusal("InvalidParameterValue.ZipFile", "ZipFile is not a zip");
    }
    if (type === "HTTP") {
      const bootstrap = entries.find((e) => e.name === "scf_bootstrap");
      if (!bootstrap) throw new Refusal("InvalidParameterValue.ZipFile", "an HTTP function needs scf_bootstrap");
      // SCF document 583/56126: permissions 755 or 777, a shell script starts with #!/bin/bash,
      // and the file ends with LF.
      const perms = bootstrap.mode & 0o777;
      if (perms !== 0o755 && perms !== 0o777) {
        throw new Refusal(
          "InvalidParameterValue.ZipFile",
          `scf_bootstrap has mode ${perms.toString(8)}, not 755 or 777`,
        );
      }
      const text = bootstrap.data.toString("utf8");
      if (!text.startsWith("#!/bin/bash\n") || !text.endsWith("\n") || text.includes("\r")) {
        throw new Refusal(
          "InvalidParameterValue.ZipFile",
          "scf_bootstrap must start with #!/bin/bash and end lines with LF",
        );
      }
    }
    return { zip, sha256: createHash("sha256").update(zip).digest("hex") };
  }

  function configure(f: StandinFunction, p: Params): void {
    const memory = num(p, "MemorySize");
    if (memory !== undefined) f.memory = parse(rules.MemorySize, memory, "MemorySize");
    const timeout = num(p, "Timeout");
    if (timeout !== undefined) f.timeout = parse(rules.Timeout, timeout, "Timeout");
    const variables = variablesOf(p);
    if (variables) {
      if (variables.some((v) => v.Key === "" || v.Value === "")) {
        throw new Refusal("InvalidParameterValue.Environment", "variable keys and values may not be empty");
      }
      f.variables = variables;
    }
    const vpc = obj(p, "VpcConfig");
    if (vpc) f.vpc = { VpcId: str(vpc, "VpcId") ?? "", SubnetId: str(vpc, "SubnetId") ?? "" };
    const net = obj(p, "PublicNetConfig");
    if (net) f.publicNet = str(net, "PublicNetStatus") ?? "";
    const role = str(p, "Role");
    if (role !== undefined) f.role = role;
    const icc = obj(p, "InstanceConcurrencyConfig");
    if (icc) {
      if (f.type !== "HTTP") throw new Refusal("InvalidParameterValue.InstanceConcurrencyConfig", "Web functions only");
      if (str(icc, "DynamicEnabled") === "") f.maxConcurrency = undefined;
      else f.maxConcurrency = parse(rules.MaxConcurrency, num(icc, "MaxConcurrency"), "MaxConcurrency");
    }
  }

  const describe = (f: StandinFunction) => ({
    FunctionName: f.name,
    Namespace: f.namespace,
    Type: f.type,
    Runtime: f.runtime,
    Status: f.status,
    Description: f.description,
  });

  const actions: Record<string, (p: Params) => Promise<Params> | Params> = {
    ListNamespaces: (p) => {
      const all = [...namespaces].map((Name) => ({ Name, Type: "default" }));
      const offset = num(p, "Offset") ?? 0;
      return { Namespaces: all.slice(offset, offset + (num(p, "Limit") ?? 20)), TotalCount: all.length };
    },
    CreateNamespace: (p) => {
      const ns = str(p, "Namespace") ?? "";
      if (namespaces.has(ns)) throw new Refusal("ResourceInUse.Namespace", `namespace ${ns} exists`);
      namespaces.add(ns);
      return {};
    },
    ListFunctions: (p) => {
      const ns = namespaceOf(p);
      const search = str(p, "SearchKey") ?? "";
      const all = [...functions.values()].filter((f) => f.namespace === ns && f.name.includes(search));
      const offset = num(p, "Offset") ?? 0;
      return { Functions: all.slice(offset, offset + (num(p, "Limit") ?? 20)).map(describe), TotalCount: all.length };
    },
    CreateFunction: async (p) => {
      const ns = namespaceOf(p);
      const name = parse(rules.FunctionName, str(p, "FunctionName"), "FunctionName");
      if (functions.has(key(p))) throw new Refusal("ResourceInUse.Function", `function ${name} exists`);
      const type = parse(rules.FunctionType, str(p, "Type") ?? "Event", "Type");
      const runtime = parse(rules.NodeRuntime, str(p, "Runtime"), "Runtime");
      if (type === "Event" && !str(p, "Handler"))
        throw new Refusal("MissingParameter", "an Event function needs Handler");
      const codeField = obj(p, "Code") ?? {};
      if (str(p, "CodeSource") !== undefined && str(p, "CodeSource") !== "ZipFile") {
        throw new Refusal("InvalidParameterValue.CodeSource", "only ZipFile is served here");
      }
      const pkg = await code(codeField.ZipFile, type);
      const f: StandinFunction = {
        name,
        namespace: ns,
        type,
        runtime,
        handler: str(p, "Handler"),
        description: str(p, "Description") ?? "",
        memory: 128,
        timeout: 3,
        variables: [],
        vpc: { VpcId: "", SubnetId: "" },
        publicNet: "ENABLE",
        role: undefined,
        maxConcurrency: undefined,
        ...pkg,
        status: "Creating",
        pendingPolls: polls,
        versions: new Map(),
        aliases: new Map(),
        triggers: new Map(),
        reservedMB: undefined,
      };
      configure(f, p);
      functions.set(key(p), f);
      return {};
    },
    GetFunction: (p) => {
      const f = existing(p);
      if (f.status !== "Active" && --f.pendingPolls <= 0) f.status = "Active";
      const q = str(p, "Qualifier");
      const at = q && q !== "$LATEST" ? f.versions.get(q) : undefined;
      if (q && q !== "$LATEST" && !at) throw new Refusal("ResourceNotFound.Version", `no version ${q}`);
      return {
        ...describe(f),
        Handler: at ? at.handler : f.handler,
        MemorySize: at ? at.memory : f.memory,
        Timeout: at ? at.timeout : f.timeout,
        Environment: { Variables: at ? at.variables : f.variables },
        VpcConfig: f.vpc,
        PublicNetConfig: { PublicNetStatus: f.publicNet, EipConfig: { EipStatus: "DISABLE" } },
        Role: f.role ?? "",
        Qualifier: q ?? "$LATEST",
        InstanceConcurrencyConfig: f.maxConcurrency
          ? { DynamicEnabled: "FALSE", MaxConcurrency: f.maxConcurrency, Type: "Request-Based" }
          : undefined,
        StatusReasons: [],
      };
    },
    GetFunctionAddress: (p) => {
      const f = existing(p);
      const q = str(p, "Qualifier");
      const sha = q && q !== "$LATEST" ? f.versions.get(q)?.sha256 : f.sha256;
      if (!sha) throw new Refusal("ResourceNotFound.Version", `no version ${q}`);
      return { Url: `https://code.stand-in.invalid/${f.name}.zip`, CodeSha256: sha };
    },
    UpdateFunctionCode: async (p) => {
      const f = existing(p);
      idle(f, "UpdateFunctionCode");
      if (str(p, "CodeSource") !== undefined && str(p, "CodeSource") !== "ZipFile") {
        throw new Refusal("InvalidParameterValue.CodeSource", "only ZipFile is served here");
      }
      Object.assign(f, await code(p.ZipFile, f.type));
      const handler = str(p, "Handler");
      if (handler !== undefined) f.handler = handler;
      change(f, "Updating");
      return {};
    },
    UpdateFunctionConfiguration: (p) => {
      const f = existing(p);
      idle(f, "UpdateFunctionConfiguration");
      const runtime = str(p, "Runtime");
      if (runtime !== undefined && runtime !== f.runtime) {
        throw new Refusal("InvalidParameterValue.Runtime", "the runtime cannot change after creation");
      }
      configure(f, p);
      change(f, "Updating");
      return {};
    },
    PublishVersion: (p) => {
      const f = existing(p);
      idle(f, "PublishVersion");
      const version = String(f.versions.size + 1);
      f.versions.set(version, {
        memory: f.memory,
        timeout: f.timeout,
        handler: f.handler,
        sha256: f.sha256,
        variables: [...f.variables],
      });
      change(f, "Publishing");
      return { FunctionVersion: version, MemorySize: f.memory, Timeout: f.timeout, Namespace: f.namespace };
    },
    ListVersionByFunction: (p) => {
      const f = existing(p);
      const versions = ["$LATEST", ...f.versions.keys()];
      return {
        FunctionVersion: versions,
        Versions: versions.map((Version) => ({ Version, Status: "Active" })),
        TotalCount: versions.length,
      };
    },
    GetAlias: (p) => {
      const f = existing(p);
      const name = str(p, "Name") ?? "";
      const version = f.aliases.get(name);
      if (!version) throw new Refusal("ResourceNotFound.Alias", `no alias ${name}`);
      return { Name: name, FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: [] } };
    },
    CreateAlias: (p) => {
      const f = existing(p);
      const name = parse(rules.AliasName, str(p, "Name"), "Name");
      if (f.aliases.has(name)) throw new Refusal("ResourceInUse.Alias", `alias ${name} exists`);
      const version = str(p, "FunctionVersion") ?? "";
      if (!f.versions.has(version)) throw new Refusal("ResourceNotFound.Version", `no version ${version}`);
      f.aliases.set(name, version);
      return {};
    },
    UpdateAlias: (p) => {
      const f = existing(p);
      const name = str(p, "Name") ?? "";
      if (!f.aliases.has(name)) throw new Refusal("ResourceNotFound.Alias", `no alias ${name}`);
      const version = str(p, "FunctionVersion") ?? "";
      if (!f.versions.has(version)) throw new Refusal("ResourceNotFound.Version", `no version ${version}`);
      f.aliases.set(name, version);
      return {};
    },
    ListTriggers: (p) => {
      const f = existing(p);
      const triggers = [...f.triggers].map(([TriggerName, t]) => ({
        TriggerName,
        ...t,
        Enable: t.Enable === "OPEN" ? 1 : 0,
      }));
      return { Triggers: triggers, TotalCount: triggers.length };
    },
    CreateTrigger: (p) => urlTrigger(p, "create"),
    UpdateTrigger: (p) => urlTrigger(p, "update"),
    DeleteFunction: (p) => {
      const f = existing(p);
      for (const d of domains.values()) {
        if (d.EndpointsConfig.some((r) => r.FunctionName === f.name && r.Namespace === f.namespace)) {
          throw new Refusal("ResourceInUse.Function", `custom domain ${d.Domain} still routes to ${f.name}`);
        }
      }
      functions.delete(key(p));
      return {};
    },
    GetReservedConcurrencyConfig: (p) => ({ ReservedMem: existing(p).reservedMB ?? null }),
    PutReservedConcurrencyConfig: (p) => {
      const f = existing(p);
      const mb = num(p, "ReservedConcurrencyMem") ?? -1;
      if (!Number.isInteger(mb) || mb < 0 || mb % 64 !== 0) {
        throw new Refusal("InvalidParameterValue.ReservedConcurrencyMem", "MB, a multiple of 64");
      }
      f.reservedMB = mb;
      return {};
    },
    GetCustomDomain: (p) => {
      const d = domains.get(str(p, "Domain") ?? "");
      if (!d) throw new Refusal("ResourceNotFound.Domain", `no custom domain ${str(p, "Domain")}`);
      return { ...d, CertConfig: d.CertConfig ?? {}, WafConfig: { WafOpen: "CLOSE" }, Tags: [] };
    },
    CreateCustomDomain: (p) => {
      const domain = str(p, "Domain") ?? "";
      if (domains.has(domain)) throw new Refusal("ResourceInUse.Domain", `custom domain ${domain} exists`);
      domains.set(domain, domainFrom(p, undefined));
      return {};
    },
    UpdateCustomDomain: (p) => {
      const domain = str(p, "Domain") ?? "";
      const d = domains.get(domain);
      if (!d) throw new Refusal("ResourceNotFound.Domain", `no custom domain ${domain}`);
      domains.set(domain, domainFrom(p, d));
      return {};
    },
  };

  function urlTrigger(p: Params, mode: "create" | "update"): Params {
    const f = existing(p);
    const type = str(p, "Type") ?? "";
    if (type !== "http") throw new Refusal("InvalidParameterValue.Type", "only function URLs (http) are served here");
    const triggerName = str(p, "TriggerName") ?? "";
    const qualifier = str(p, "Qualifier") ?? "$LATEST";
    if (qualifier !== "$LATEST" && !f.aliases.has(qualifier) && !f.versions.has(qualifier)) {
      throw new Refusal("ResourceNotFound.Qualifier", `no alias or version ${qualifier}`);
    }
    let desc: unknown;
    try {
      desc = JSON.parse(str(p, "TriggerDesc") ?? "");
    } catch {
      throw new Refusal("InvalidParameterValue.TriggerDesc", "TriggerDesc is not JSON");
    }
    parse(rules.FunctionUrlTriggerDesc, desc, "TriggerDesc");
    const clash = [...f.triggers].find(([n, t]) => t.Type === "http" && t.Qualifier === qualifier && n !== triggerName);
    if (clash) throw new Refusal("ResourceInUse.Trigger", `${qualifier} already has a function URL (one per alias)`);
    if (mode === "create" && f.triggers.has(triggerName)) throw new Refusal("ResourceInUse.Trigger", "trigger exists");
    if (mode === "update" && !f.triggers.has(triggerName)) throw new Refusal("ResourceNotFound.Trigger", "no trigger");
    const t = {
      Type: type,
      Qualifier: qualifier,
      TriggerDesc: JSON.stringify(desc),
      Enable: str(p, "Enable") ?? "OPEN",
    };
    f.triggers.set(triggerName, t);
    return mode === "create" ? { TriggerInfo: { TriggerName: triggerName, ...t, Enable: 1 } } : {};
  }

  function domainFrom(p: Params, before: StandinDomain | undefined): StandinDomain {
    const protocol = parse(rules.DomainProtocol, str(p, "Protocol") ?? before?.Protocol, "Protocol");
    const cert = obj(p, "CertConfig") ?? before?.CertConfig;
    if (protocol !== "HTTP" && !(cert && str(cert, "CertificateId"))) {
      throw new Refusal("InvalidParameterValue.CertConfig", "HTTPS needs CertConfig.CertificateId");
    }
    const list = Array.isArray(p.EndpointsConfig) ? p.EndpointsConfig : before?.EndpointsConfig;
    const endpoints: StandinDomain["EndpointsConfig"] = [];
    for (const raw of list ?? []) {
      const r: Params = typeof raw === "object" && raw !== null ? Object.fromEntries(Object.entries(raw)) : {};
      const rule = {
        Namespace: str(r, "Namespace") ?? "",
        FunctionName: str(r, "FunctionName") ?? "",
        Qualifier: str(r, "Qualifier") ?? "",
        PathMatch: parse(rules.PathMatch, str(r, "PathMatch"), "PathMatch"),
      };
      const f = functions.get(`${rule.Namespace}/${rule.FunctionName}`);
      if (!f)
        throw new Refusal("ResourceNotFound.Function", `rule ${rule.PathMatch}: no function ${rule.FunctionName}`);
      const hasUrl = [...f.triggers.values()].some((t) => t.Type === "http" && t.Qualifier === rule.Qualifier);
      if (!hasUrl) {
        throw new Refusal("FailedOperation", `rule ${rule.PathMatch}: ${f.name}:${rule.Qualifier} has no function URL`);
      }
      if (endpoints.some((e) => e.PathMatch === rule.PathMatch)) {
        throw new Refusal("InvalidParameterValue.PathMatch", `${rule.PathMatch} appears twice`);
      }
      endpoints.push(rule);
    }
    return {
      Domain: str(p, "Domain") ?? "",
      Protocol: protocol,
      CertConfig: cert ? { CertificateId: str(cert, "CertificateId") } : undefined,
      EndpointsConfig: endpoints,
    };
  }

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const requestId = randomUUID();
    const send = (json: unknown) => {
      res.writeHead(200, { "content-type": "application/json", "x-tc-requestid": requestId });
      res.end(JSON.stringify(json));
    };
    let action = "(unknown)";
    try {
      const call = checkApiRequest(req, body, options, SCF_VERSION);
      action = call.action;
      if (call.region !== options.region)
        throw new Refusal("UnsupportedRegion", `this stand-in serves ${options.region}`);
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler) throw new Refusal("InvalidAction", `action ${action} is not served here`);
      const problems = fieldProblems(models, `${action}Request`, call.params, "");
      if (problems.length > 0) throw new Refusal("InvalidParameter", problems.join("; "));
      const params: Params = Object.fromEntries(Object.entries(call.params ?? {}));
      const answer = await handler(params);
      const { ZipFile: _zip, Code: _code, ...logged } = params;
      calls.push({ action, params: logged });
      send({ Response: { ...answer, RequestId: requestId } });
    } catch (e) {
      if (!(e instanceof Refusal)) {
        res.writeHead(500).end();
        return;
      }
      // "Does not exist" is an answer, not a refusal of the request.
      if (!e.code.startsWith("ResourceNotFound")) refused.push(`${action}: ${e.code}: ${e.message}`);
      send({ Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId } });
    }
  });

  const running = await serveOn(server, options.port);
  return {
    ...running,
    calls,
    refused,
    namespaces,
    functions,
    domains,
    fn: (name, namespace = "default") => functions.get(`${namespace}/${name}`),
  };
}
