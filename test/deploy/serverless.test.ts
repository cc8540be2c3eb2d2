/**
 * The deployment files, checked offline: nothing else validates them before Tencent's cloud
 * runs them. Each check derives its expectation from the code — functions/, the route table,
 * what `npm run build` writes, and what each function itself reports it needs — never from the
 * generator's own tables alone.
 */
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildFunction, ROOT } from "../../scripts/build.js";
import {
  APP,
  DEADLINES,
  DEPLOY_VARIABLES,
  FIXED_WAITS,
  MAX_FUNCTION_NAME,
  planFunction,
  staleFiles,
} from "../../scripts/deploy/plan.js";
import { groupsLoadedAtUse, invoke, loadEntry, variablesNeeded } from "../../scripts/deploy/probe.js";
import { ENV, type EnvName, GROUPS, loadConfig } from "../../shared/config.js";
import { type RouteDef, type RouteName, routes } from "../../shared/routes.js";
import { captureLogs } from "../support/logs.js";

const DEPLOY = path.join(ROOT, "deploy");
const functionsDir = path.join(ROOT, "functions");
/** Folders of functions/ that hold a function, read here independently of the build script. */
const FUNCTIONS = readdirSync(functionsDir)
  .filter((n) => statSync(path.join(functionsDir, n, "index.ts"), { throwIfNoEntry: false })?.isFile())
  .sort();

interface Endpoint {
  path: string;
  method: string;
  serviceTimeout?: number;
  param?: Array<{ name: string; position: string; required: boolean }>;
  function?: { isIntegratedResponse?: boolean };
}
interface Instance {
  component: string;
  name: string;
  app?: string;
  inputs: {
    src: { src: string };
    type?: string;
    handler?: string;
    runtime: string;
    region: string;
    memorySize: number;
    timeout: number;
    vpcConfig?: { vpcId: string; subnetId: string };
    environment?: { variables: Record<string, string> };
    events: Array<{
      apigw?: { parameters: { serviceId: string; protocols: string[]; environment: string; endpoints: Endpoint[] } };
    }>;
  };
}

const readYaml = (rel: string): unknown => parse(readFileSync(path.join(DEPLOY, rel), "utf8"));
const instance = (name: string) => readYaml(path.join(name, "serverless.yml")) as Instance;
const routeOf = (name: string): RouteDef => routes[name as RouteName];
const kindOf = (name: string) => routeOf(name).kind ?? "event";
const ref = (name: string) => `\${env:${name}}`;

function endpointOf(name: string): Endpoint {
  const triggers = instance(name).inputs.events;
  expect(triggers, `${name}: one API Gateway trigger`).toHaveLength(1);
  const endpoints = triggers[0]?.apigw?.parameters.endpoints ?? [];
  expect(endpoints, `${name}: one API`).toHaveLength(1);
  return endpoints[0] as Endpoint;
}

/** Every variable the contract has, removed from this process for the time of `fn`. */
async function withEmptyContractEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const name of Object.keys(ENV)) {
    saved.set(name, process.env[name]);
    delete process.env[name];
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}

/** What the function's own 503 log line names as missing, called with no configuration at all. */
async function requiredReportedBy(name: string): Promise<string[]> {
  const entry = await loadEntry(name);
  const logs = captureLogs();
  try {
    await withEmptyContractEnv(() => invoke(entry, routeOf(name)));
    const line = logs.lines.find((l) => String(l.msg).startsWith("configuration invalid:"));
    if (!line) return [];
    return [...String(line.msg).matchAll(/([A-Z][A-Z0-9_]+): missing/g)].map((m) => m[1] as string);
  } finally {
    logs.stop();
  }
}

/** Everything `npm run build` writes, built into a scratch folder so dist/ is left alone. */
let built: string;
const reads = new Map<string, EnvName[]>();

beforeAll(async () => {
  built = mkdtempSync(path.join(tmpdir(), "wxclaw-deploy-build-"));
  for (const name of FUNCTIONS) await buildFunction(name, built);
  const logs = captureLogs();
  try {
    for (const name of FUNCTIONS) reads.set(name, await variablesNeeded(name));
  } finally {
    logs.stop();
  }
}, 60_000);

afterAll(() => {
  reads.clear();
});

describe("deploy/: one Serverless Components scf instance per function, under one app", () => {
  it("deploys every function in functions/ and nothing else", () => {
    const deployed = readdirSync(DEPLOY)
      .filter((n) => statSync(path.join(DEPLOY, n)).isDirectory())
      .sort();
    expect(deployed).toEqual(FUNCTIONS);
    for (const name of FUNCTIONS) {
      const doc = instance(name);
      expect(doc.component, name).toBe("scf");
      expect(doc.name, name).toBe(name);
      // The app and stage come from the parent file, so every instance shares them.
      expect(doc.app, name).toBeUndefined();
    }
  });

  it("has a parent file that names the app and is not itself an instance", () => {
    // The Components CLI deploys sub-folders as one app only when the parent has no component.
    const parent = readYaml("serverless.yml") as Record<string, unknown>;
    expect(parent.app).toBe(APP);
    expect(parent.component).toBeUndefined();
    expect(typeof parent.stage).toBe("string");
  });

  it("puts each function behind its route's path and method, declaring path parameters", () => {
    for (const name of FUNCTIONS) {
      expect(Object.hasOwn(routes, name), `functions/${name} has a route of the same name`).toBe(true);
      const ep = endpointOf(name);
      const route = routeOf(name);
      expect({ path: ep.path, method: ep.method }, name).toEqual({ path: route.path, method: route.method });
      const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(
        (ep.param ?? []).map((p) => ({ name: p.name, position: p.position, required: p.required })),
        name,
      ).toEqual(params.map((p) => ({ name: p, position: "PATH", required: true })));
    }
  });

  it("creates every API in one API Gateway service, over HTTPS, in the release environment", () => {
    for (const name of FUNCTIONS) {
      const apigw = instance(name).inputs.events[0]?.apigw?.parameters;
      expect(apigw?.serviceId, name).toBe(ref("APIGW_SERVICE_ID"));
      expect(apigw?.protocols, name).toEqual(["https"]);
      expect(apigw?.environment, name).toBe("release");
    }
  });

  it("turns integrated response on for every event function; Web functions answer HTTP themselves", () => {
    for (const name of FUNCTIONS) {
      const ep = endpointOf(name);
      const inputs = instance(name).inputs;
      if (kindOf(name) === "web") {
        expect(inputs.type, name).toBe("web");
        expect(inputs.handler, name).toBeUndefined();
      } else {
        expect(inputs.type ?? "event", name).toBe("event");
        // Read from endpoint.function by the toolkit; anywhere else it is silently ignored.
        expect(ep.function?.isIntegratedResponse, name).toBe(true);
      }
    }
  });

  it("points each function at files that exist after npm run build", async () => {
    const require = createRequire(import.meta.url);
    for (const name of FUNCTIONS) {
      const inputs = instance(name).inputs;
      expect(path.resolve(DEPLOY, name, inputs.src.src), name).toBe(path.join(ROOT, "dist", name));
      const out = path.join(built, name);
      if (kindOf(name) === "web") {
        expect(statSync(path.join(out, "server.js")).isFile(), `${name}: server.js`).toBe(true);
        expect(
          () => accessSync(path.join(out, "scf_bootstrap"), constants.X_OK),
          `${name}: scf_bootstrap`,
        ).not.toThrow();
      } else {
        const [file, exported] = (inputs.handler ?? "").split(".") as [string, string];
        const mod = require(path.join(out, `${file}.js`)) as Record<string, unknown>;
        expect(typeof mod[exported], `${name}: ${inputs.handler}`).toBe("function");
      }
    }
  });

  it("passes each function every variable it reports missing when it has no configuration", async () => {
    let reported = 0;
    for (const name of FUNCTIONS) {
      const required = await requiredReportedBy(name);
      reported += required.length;
      const passed = instance(name).inputs.environment?.variables ?? {};
      for (const v of required) expect(passed[v], `${name} needs ${v}`).toBe(ref(v));
    }
    // The functions that talk to Redis do report it; an empty report would prove nothing.
    expect(reported).toBeGreaterThan(0);
  });

  it("passes WeChat's credentials to chat, whose content check loads them only when switched on", async () => {
    // One request without configuration stops at 503 long before that check: found statically.
    for (const name of ["chat", "chat-stream"]) {
      expect(await groupsLoadedAtUse(name), name).toContain("wechat");
      const passed = instance(name).inputs.environment?.variables ?? {};
      for (const v of GROUPS.wechat) expect(passed[v], `${name}: ${v}`).toBe(ref(v));
    }
  });

  it("passes exactly the variables each function reads or loads at use, by reference to the CI environment", () => {
    for (const name of FUNCTIONS) {
      const passed = instance(name).inputs.environment?.variables ?? {};
      expect(Object.keys(passed).sort(), name).toEqual(reads.get(name));
      for (const [key, value] of Object.entries(passed)) expect(value, `${name}: ${key}`).toBe(ref(key));
    }
  });

  it("references only variables that npm run deploy knows and checks", () => {
    const known = new Set([...Object.keys(ENV), ...Object.keys(DEPLOY_VARIABLES)]);
    const files = ["serverless.yml", ...FUNCTIONS.map((n) => path.join(n, "serverless.yml"))];
    for (const rel of files) {
      const text = readFileSync(path.join(DEPLOY, rel), "utf8");
      for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
        const [kind, name] = (m[1] as string).split(":");
        expect(kind, `${rel}: only \${env:…} is resolved before deployment`).toBe("env");
        expect(known.has(name as string), `${rel}: ${name}`).toBe(true);
      }
    }
  });

  it("gives each function, and API Gateway, more time than all the upstream waits one request can have", () => {
    // The default applies when a deadline is unset; npm run deploy refuses values above maxMs.
    const defaults = loadConfig({ OPENCLAW_BASE_URL: "http://10.0.0.1", WX_APPID: "a", WX_SECRET: "b" }, [
      "openclaw",
      "wechat",
    ]) as Record<string, unknown>;
    for (const [variable, { maxMs }] of Object.entries(DEADLINES)) {
      expect(defaults[variable] as number, `${variable}: default within the deploy maximum`).toBeLessThanOrEqual(maxMs);
    }
    for (const name of FUNCTIONS) {
      const inputs = instance(name).inputs;
      let waitsMs = 0;
      for (const [variable, { maxMs, waits }] of Object.entries(DEADLINES)) {
        if (reads.get(name)?.includes(variable as EnvName)) waitsMs += maxMs * waits;
      }
      for (const [variable, { ms }] of Object.entries(FIXED_WAITS)) {
        if (reads.get(name)?.includes(variable as EnvName)) waitsMs += ms;
      }
      expect(inputs.timeout * 1000, `${name}: function timeout`).toBeGreaterThan(waitsMs);
      expect(endpointOf(name).serviceTimeout, `${name}: API Gateway backend timeout`).toBeGreaterThanOrEqual(
        inputs.timeout,
      );
    }
    // OpenClaw's deadline is the long one; chat must be among the functions that wait on it.
    expect(reads.get("chat")).toContain("OPENCLAW_TIMEOUT_MS");
  });

  it("runs the functions that read secrets from SSM with the execution role given by SCF_ROLE", () => {
    let withRole = 0;
    for (const name of FUNCTIONS) {
      const inputs = instance(name).inputs as { role?: string };
      if (reads.get(name)?.includes("SSM_REGION")) {
        withRole += 1;
        expect(inputs.role, name).toBe(ref("SCF_ROLE"));
      } else expect(inputs.role, name).toBeUndefined();
    }
    expect(withRole).toBeGreaterThan(0);
  });

  it("joins the VPC when a function talks to Redis or OpenClaw", () => {
    for (const name of FUNCTIONS) {
      const inputs = instance(name).inputs;
      const needsVpc = reads.get(name)?.some((v) => v === "REDIS_URL" || v === "OPENCLAW_BASE_URL");
      if (needsVpc)
        expect(inputs.vpcConfig, name).toEqual({ vpcId: ref("SCF_VPC_ID"), subnetId: ref("SCF_SUBNET_ID") });
      else expect(inputs.vpcConfig, name).toBeUndefined();
    }
  });

  it("uses 64 or 128 MB, and a runtime from the environment that defaults to Nodejs18.15", () => {
    for (const name of FUNCTIONS) {
      const inputs = instance(name).inputs;
      expect([64, 128], name).toContain(inputs.memorySize);
      expect(inputs.runtime, name).toBe(ref("SCF_RUNTIME"));
      expect(inputs.region, name).toBe(ref("SCF_REGION"));
    }
    expect(DEPLOY_VARIABLES.SCF_RUNTIME.default).toBe("Nodejs18.15");
  });

  it("keeps every function name within SCF's 60 characters for the longest stage allowed", () => {
    for (const name of FUNCTIONS) {
      expect(`${name}-${"s".repeat(16)}-${APP}`.length, name).toBeLessThanOrEqual(MAX_FUNCTION_NAME);
    }
  });

  it("is exactly what the generator writes for the current functions (not stale)", () => {
    const plans = FUNCTIONS.map((name) => planFunction(name, reads.get(name) ?? []));
    expect(staleFiles(plans)).toEqual([]);
  });
});
