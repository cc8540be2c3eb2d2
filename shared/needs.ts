/**
 * What a function needs, derived from the records of the routes it serves (shared/routes.ts,
 * shared/functions.ts): the union of its routes' configuration groups, the variables of those
 * groups, and whether any of them can name a secret in SSM. The deployment passes exactly these
 * variables, the build ships the SSM client exactly where it can be used, and docs/config.md is
 * generated from the same answer.
 */
import { type EnvName, GROUPS, type Group, SECRET_SOURCES } from "./config.js";
import { type FunctionName, functions } from "./functions.js";
import { allGroupsOf } from "./http/route-config.js";
import { routes } from "./routes.js";

export function groupsOfFunction(name: FunctionName): Group[] {
  const groups = new Set<Group>(["base"]);
  for (const r of functions[name].routes) for (const g of allGroupsOf(routes[r])) groups.add(g);
  return [...groups];
}

export function variablesOfFunction(name: FunctionName): EnvName[] {
  const names = new Set<EnvName>();
  for (const g of groupsOfFunction(name)) for (const v of GROUPS[g]) names.add(v);
  return [...names].sort();
}

const SSM_NAMES: readonly EnvName[] = Object.values(SECRET_SOURCES);

/** Can this function's configuration name a secret held in SSM (so its bundle needs the client)? */
export const usesSsm = (name: FunctionName): boolean => variablesOfFunction(name).some((v) => SSM_NAMES.includes(v));
