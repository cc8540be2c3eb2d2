/**
 * Bundles each function of shared/functions.ts alone into dist/<name>/ (index.js for an event
 * function, server.js + scf_bootstrap for a Web function): CommonJS for node18, minified,
 * self-contained. Writes dist/routes.json, the manifest the dev server, the deployment and
 * black-box tests read. Prints a size table and fails when a bundle passes its budget.
 * Functions that can read a secret from Tencent Cloud SSM also get dist/<name>/ssm.js, the SDK
 * bundled apart and required only when configured (shared/secrets).
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { FUNCTION_NAMES, type FunctionName, functions, isFunctionName } from "../shared/functions.js";
import { usesSsm } from "../shared/needs.js";
import { BUNDLE_BUDGET_BYTES, DEFAULT_BUDGET_BYTES } from "./budgets.js";
import { MANIFEST_FILE, manifest } from "./manifest.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = path.join(ROOT, "dist");
const SSM_CLIENT = path.join(ROOT, "shared", "secrets", "ssm-client.ts");

/**
 * node-fetch 2, the SDK's HTTP client, takes `URL` from Node's own `url` module and falls back to
 * the whatwg-url package only on a Node without one; Node 18 has it. Leaving the fallback (and
 * its 260 KB Unicode table) out halves ssm.js and the time it takes to require.
 */
const nativeUrl: Plugin = {
  name: "native-url",
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: "whatwg-url", namespace: "native-url" }));
    b.onLoad({ filter: /.*/, namespace: "native-url" }, () => ({
      contents: 'module.exports = { URL: require("node:url").URL };',
      loader: "js",
    }));
  },
};

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  budget: number;
  /** dist/<name>/ssm.js, for functions that can read secrets from SSM. */
  ssm?: { file: string; bytes: number };
}

/** The file beside the bundle that `import("./ssm-client.js")` becomes a `require` of. */
export const SSM_FILE = "ssm.js";

/** Leaves the SSM client out of the bundle, as a runtime require of the file beside it. */
const ssmApart: Plugin = {
  name: "ssm-apart",
  setup(b) {
    b.onResolve({ filter: /[\\/]ssm-client(\.js|\.ts)?$/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      return { path: `./${SSM_FILE}`, external: true };
    });
  },
};

/**
 * Starts a Web function's server with SCF's Node. SCF requires an absolute path; the runtime
 * image has exactly one /var/lang/node*, and NODE_BIN overrides it anywhere else.
 */
const SCF_BOOTSTRAP = `#!/bin/bash
set -e
cd "$(dirname "$0")"
NODE="\${NODE_BIN:-}"
if [ -z "$NODE" ]; then
  NODE=$(ls -d /var/lang/node*/bin/node 2>/dev/null | sort -V | tail -n 1)
fi
[ -n "$NODE" ] || NODE=$(command -v node)
export PORT="\${PORT:-9000}"
exec "$NODE" server.js
`;

/** How every function is bundled: self-contained CommonJS for SCF's Node 18, minified. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // Redis scripts live in their own .lua files and are inlined as text.
  loader: { ".lua": "text" },
} as const;

export const isWebFunction = (name: string): boolean => isFunctionName(name) && functions[name].kind === "web";

/** The functions to build: every one in the table, each of which must have its folder. */
export function functionNames(): FunctionName[] {
  const dir = path.join(ROOT, "functions");
  const folders = readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory());
  const strays = folders.filter((n) => !isFunctionName(n));
  if (strays.length > 0)
    throw new Error(`functions/ has folders that shared/functions.ts does not name: ${strays.join(", ")}`);
  const missing = FUNCTION_NAMES.filter((n) => !folders.includes(n));
  if (missing.length > 0)
    throw new Error(`shared/functions.ts names functions without a folder: ${missing.join(", ")}`);
  return [...FUNCTION_NAMES].sort();
}

/**
 * Bundles one function into `<outRoot>/<name>/index.js`, or server.js for a Web function (dist/
 * unless told otherwise). `kind` overrides the route table, to build a function both ways.
 */
export async function buildFunction(
  name: string,
  outRoot = DIST,
  kind: "event" | "web" = isWebFunction(name) ? "web" : "event",
): Promise<BundleReport> {
  const outdir = path.join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const web = kind === "web";
  const file = path.join(outdir, web ? "server.js" : "index.js");
  const common = BUNDLE_OPTIONS;
  await build({
    ...common,
    entryPoints: [path.join(ROOT, "functions", name, web ? "server.ts" : "index.ts")],
    outfile: file,
    plugins: [ssmApart],
    // So the SSM client's dynamic import becomes require("./ssm.js"), which Node resolves
    // against the bundle's own folder, wherever SCF unpacks it.
    supported: { "dynamic-import": false },
  });
  let ssm: BundleReport["ssm"];
  if (isFunctionName(name) && usesSsm(name)) {
    const ssmFile = path.join(outdir, SSM_FILE);
    await build({ ...common, entryPoints: [SSM_CLIENT], outfile: ssmFile, plugins: [nativeUrl] });
    ssm = { file: ssmFile, bytes: statSync(ssmFile).size };
  }
  // The project root is ESM; this tells Node that the bundle beside it is CommonJS.
  writeFileSync(path.join(outdir, "package.json"), '{ "type": "commonjs" }\n');
  if (web) {
    const bootstrap = path.join(outdir, "scf_bootstrap");
    writeFileSync(bootstrap, SCF_BOOTSTRAP);
    chmodSync(bootstrap, 0o755);
  }
  return {
    name,
    file,
    bytes: statSync(file).size,
    budget: BUNDLE_BUDGET_BYTES[name] ?? DEFAULT_BUDGET_BYTES,
    ...(ssm ? { ssm } : {}),
  };
}

export async function buildAll(outRoot = DIST): Promise<BundleReport[]> {
  const reports = await Promise.all(functionNames().map((n) => buildFunction(n, outRoot)));
  writeFileSync(path.join(outRoot, MANIFEST_FILE), `${JSON.stringify(manifest(), null, 2)}\n`);
  return reports;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const reports = await buildAll();
  console.log("| function | bundle | budget | |\n|---|---:|---:|---|");
  for (const r of reports) {
    console.log(`| ${r.name} | ${kb(r.bytes)} | ${kb(r.budget)} | ${r.bytes <= r.budget ? "ok" : "OVER"} |`);
    if (r.ssm) console.log(`| ${r.name}/${SSM_FILE} | ${kb(r.ssm.bytes)} | — | loaded only when configured |`);
  }
  const over = reports.filter((r) => r.bytes > r.budget);
  if (over.length > 0) {
    console.error(`Over budget: ${over.map((r) => r.name).join(", ")}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
