/**
 * The SCF custom domain's path rules (PathMatch in the SCF API's EndpointsConf): an exact path
 * such as `/api/chat`, or a prefix ending in `/*` such as `/api/conversations/*`, and nothing
 * else — no methods, no parameters, no regular expressions. The build (dist/routes.json), the
 * dev server and the deployment all take the rules from here, so what dev routes is what the
 * domain will route.
 *
 * Tencent does not document which rule wins when an exact path and a wildcard both match, nor
 * whether `/a/*` matches `/a` itself. So the rules we write never depend on it: no path may be
 * matched by rules of two functions, and a function whose routes sit under `/a/*` also gets the
 * exact rule `/a` when it serves `/a`.
 */
import { type FunctionName, functions } from "./functions.js";
import { type RouteName, routes } from "./routes.js";

/** The rule that carries one route template: itself when literal, else its literal prefix + `/*`. */
export function ruleForPath(template: string): string {
  const segments = template.split("/");
  const firstParam = segments.findIndex((s) => s.startsWith("{"));
  if (firstParam === -1) return template;
  return `${segments.slice(0, firstParam).join("/")}/*`;
}

/** The rules of a function: one per distinct route path shape, in the table's order. */
export function rulesFor(routeNames: readonly RouteName[]): string[] {
  return [...new Set(routeNames.map((r) => ruleForPath(routes[r].path)))];
}

/** Does a PathMatch rule take this request path? */
export function ruleMatches(rule: string, path: string): boolean {
  if (!rule.endsWith("/*")) return rule === path;
  const prefix = rule.slice(0, -1); // keeps the trailing "/"
  return path.startsWith(prefix) && path.length > prefix.length;
}

/** Whether `rule` may take `path` on the real domain: `/a/*` may or may not take `/a` itself. */
function mayTake(rule: string, path: string): boolean {
  return ruleMatches(rule, path) || (rule.endsWith("/*") && path === rule.slice(0, -2));
}

/** Two rules that could both take one path. */
function overlap(a: string, b: string): boolean {
  const probe = (r: string) => (r.endsWith("/*") ? `${r.slice(0, -1)}x` : r);
  return a === b || mayTake(a, probe(b)) || mayTake(b, probe(a)) || mayTake(a, b) || mayTake(b, a);
}

export interface DomainRule<F extends string = FunctionName> {
  rule: string;
  fn: F;
}

/**
 * The whole domain's rules, checked: every route is taken by its own function's rules and by no
 * other function's. Throws naming the clash, so a table the domain could route ambiguously
 * never builds.
 */
export function checkedRules<F extends string>(
  table: Readonly<Record<F, { routes: readonly RouteName[] }>>,
): DomainRule<F>[] {
  const all: DomainRule<F>[] = [];
  for (const fn of Object.keys(table) as F[]) for (const rule of rulesFor(table[fn].routes)) all.push({ rule, fn });
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i] as DomainRule<F>;
      const b = all[j] as DomainRule<F>;
      if (a.fn !== b.fn && overlap(a.rule, b.rule)) {
        throw new Error(
          `path rules overlap: ${a.rule} (${a.fn}) and ${b.rule} (${b.fn}); merge the routes into one function`,
        );
      }
    }
  }
  return all;
}

/** The rules of the functions we deploy (shared/functions.ts). */
export const domainRules = (): DomainRule[] => checkedRules(functions);

/** The function the domain sends `path` to, or undefined when no rule takes it. */
export function functionForPath<F extends string>(rules: readonly DomainRule<F>[], path: string): F | undefined {
  return rules.find((r) => ruleMatches(r.rule, path))?.fn;
}

export const functionRules = (name: FunctionName): string[] => rulesFor(functions[name].routes);
