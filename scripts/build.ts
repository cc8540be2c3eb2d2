/**
 * Bundles each function in functions/ alone into dist/<name>/index.js: CommonJS for node18,
 * minified, self-contained. Prints a size table and fails when a bundle passes its budget.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type RouteDef, routes } from "../shared/routes.js";
import { BUNDLE_BUDGET_BYTES, DEFAULT_BUDGET_BYTES } from "./budgets.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = path.join(ROOT, "dist");

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  budget: number;
}

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

export const isWebFunction = (name: string): boolean => (routes as Record<string, RouteDef>)[name]?.kind === "web";

export function functionNames(): string[] {
  const dir = path.join(ROOT, "functions");
  return readdirSync(dir)
    .filter((n) => statSync(path.join(dir, n, "index.ts"), { throwIfNoEntry: false })?.isFile())
    .sort();
}

/** Bundles one function into `<outRoot>/<name>/index.js` (dist/ unless told otherwise). */
export async function buildFunction(name: string, outRoot = DIST): Promise<BundleReport> {
  const outdir = path.join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const web = isWebFunction(name);
  const file = path.join(outdir, web ? "server.js" : "index.js");
  await build({
    entryPoints: [path.join(ROOT, "functions", name, web ? "server.ts" : "index.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  // The project root is ESM; this tells Node that the bundle beside it is CommonJS.
  writeFileSync(path.join(outdir, "package.json"), '{ "type": "commonjs" }\n');
  if (web) {
    const bootstrap = path.join(outdir, "scf_bootstrap");
    writeFileSync(bootstrap, SCF_BOOTSTRAP);
    chmodSync(bootstrap, 0o755);
  }
  return { name, file, bytes: statSync(file).size, budget: BUNDLE_BUDGET_BYTES[name] ?? DEFAULT_BUDGET_BYTES };
}

export async function buildAll(): Promise<BundleReport[]> {
  return Promise.all(functionNames().map((n) => buildFunction(n)));
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const reports = await buildAll();
  console.log("| function | bundle | budget | |\n|---|---:|---:|---|");
  for (const r of reports) {
    console.log(`| ${r.name} | ${kb(r.bytes)} | ${kb(r.budget)} | ${r.bytes <= r.budget ? "ok" : "OVER"} |`);
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
