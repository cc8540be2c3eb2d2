/**
 * dist/routes.json (CONTRACT §1): each function with its kind, routes, the custom domain's
 * PathMatch rules for it, memory, timeout and request concurrency. Built from
 * shared/functions.ts and shared/routes.ts through shared/path-match.ts, the code the dev server
 * and the deployment route with.
 */
import * as z from "zod/mini";
import { FUNCTION_NAMES, functions } from "../shared/functions.js";
import { domainRules } from "../shared/path-match.js";
import { routes } from "../shared/routes.js";

export const MANIFEST_FILE = "routes.json";

const Method = z.enum(["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]);

export const ManifestFunction = z.object({
  name: z.string(),
  kind: z.enum(["event", "web"]),
  routes: z.array(z.object({ method: Method, path: z.string() })),
  pathMatch: z.array(z.string()),
  memoryMB: z.number(),
  timeoutS: z.number(),
  concurrency: z.number(),
  /** The file SCF runs: `index.main_handler` or `scf_bootstrap`. */
  entry: z.string(),
});
export const Manifest = z.object({ functions: z.array(ManifestFunction) });
export type Manifest = z.infer<typeof Manifest>;
export type ManifestFunction = z.infer<typeof ManifestFunction>;

export function manifest(): Manifest {
  const rules = domainRules();
  return {
    functions: FUNCTION_NAMES.map((name) => {
      const def = functions[name];
      return {
        name,
        kind: def.kind,
        routes: def.routes.map((r) => ({ method: routes[r].method, path: routes[r].path })),
        pathMatch: rules.filter((r) => r.fn === name).map((r) => r.rule),
        memoryMB: def.memoryMB,
        timeoutS: def.timeoutS,
        concurrency: def.concurrency,
        entry: def.kind === "web" ? "scf_bootstrap" : "index.main_handler",
      };
    }),
  };
}
