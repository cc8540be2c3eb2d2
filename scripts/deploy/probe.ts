/**
 * Which contract variables (shared/config.ts ENV) a function reads, asked of the function
 * itself: its handler is called once, from source (a Web function's through a loopback HTTP
 * server), with an empty environment that records every name looked up. The answer follows the
 * code — its config groups and its guards' groups — not a list kept by hand. Nothing leaves the
 * machine: without configuration the wrapper answers 503 before it touches Redis or any
 * upstream. It logs that 503 line; callers decide where it goes (shared/log.ts setLogSink).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { ENV, type EnvName, GROUPS, type Group } from "../../shared/config.js";
import { functions, isFunctionName } from "../../shared/functions.js";
import { type RouteDef, routes } from "../../shared/routes.js";
import { ROOT } from "../build.js";

/** An event function's `main_handler`, or a Web function's Node `request_handler(req, res)`. */
export type Entry =
  | { kind: "event"; main_handler: (event: unknown, context?: unknown) => Promise<unknown> }
  | { kind: "web"; request_handler: http.RequestListener };

const isEnvName = (name: string): name is EnvName => Object.hasOwn(ENV, name);

/** A request the route accepts up to the configuration check: right path, right verb. */
export function probeEvent(route: RouteDef) {
  const path = route.path.replace(/\{[^}]+\}/g, "probe");
  return {
    httpMethod: route.method,
    path,
    headers: { "content-type": "application/json", "x-scf-remote-addr": "192.0.2.1" },
    body: "{}",
    queryString: {},
  };
}

export async function loadEntry(name: string): Promise<Entry> {
  const file = path.join(ROOT, "functions", name, "index.ts");
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (typeof mod.main_handler === "function") return { kind: "event", main_handler: mod.main_handler as never };
  if (typeof mod.request_handler === "function") return { kind: "web", request_handler: mod.request_handler as never };
  throw new Error(`functions/${name}/index.ts exports neither main_handler nor request_handler`);
}

/** Sends the probe request to a Web function's handler through a loopback server, as SCF would. */
async function viaLoopback(handler: http.RequestListener, route: RouteDef): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const event = probeEvent(route);
    const res = await fetch(`http://127.0.0.1:${port}${event.path}`, {
      method: route.method,
      headers: event.headers,
      body: route.method === "GET" ? undefined : event.body,
    });
    await res.arrayBuffer();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Sends one probe request to the function, in whatever environment the process has. */
export async function invoke(entry: Entry, route: RouteDef): Promise<void> {
  if (entry.kind === "event") await entry.main_handler(probeEvent(route), { request_id: "deploy-probe" });
  else await viaLoopback(entry.request_handler, route);
}

/** The contract variables function `name` reads while handling one request to each of its routes, sorted. */
export async function variablesRead(name: string): Promise<EnvName[]> {
  if (!isFunctionName(name)) throw new Error(`functions/${name} is not in shared/functions.ts`);
  const entry = await loadEntry(name);
  const read = new Set<string>();
  const recording = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, key) {
      if (typeof key === "string") read.add(key);
      return undefined;
    },
  });
  const real = process.env;
  process.env = recording;
  try {
    for (const route of functions[name].routes) await invoke(entry, routes[route]);
  } finally {
    process.env = real;
  }
  return [...read].filter(isEnvName).sort();
}

/**
 * Groups the function's code loads only on some paths — `loadConfig(process.env, ["wechat"])`
 * once a feature flag is on and a session is known — which one request with no configuration
 * never reaches. Found statically: every source file esbuild puts in the function's bundle is
 * searched for loadConfig calls with a literal list of groups.
 */
export async function groupsLoadedAtUse(name: string): Promise<Group[]> {
  const result = await build({
    entryPoints: [path.join(ROOT, "functions", name, "index.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    // Only our own sources can call loadConfig; leaving packages out keeps this fast.
    packages: "external",
    write: false,
    metafile: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    loader: { ".lua": "text" },
  });
  const found = new Set<Group>();
  for (const file of Object.keys(result.metafile.inputs)) {
    if (file.includes("node_modules") || !file.endsWith(".ts")) continue;
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const call of text.matchAll(/loadConfig\s*\(\s*[\w.]+\s*,\s*\[([^\]]*)\]/g)) {
      for (const g of (call[1] as string).matchAll(/["'](\w+)["']/g)) {
        if (Object.hasOwn(GROUPS, g[1] as string)) found.add(g[1] as Group);
      }
    }
  }
  return [...found].sort();
}

/** Everything the function can read: what one request reads, and the groups it loads at use. */
export async function variablesNeeded(name: string): Promise<EnvName[]> {
  const needed = new Set<EnvName>(await variablesRead(name));
  for (const g of await groupsLoadedAtUse(name)) for (const v of GROUPS[g]) needed.add(v);
  return [...needed].sort();
}
