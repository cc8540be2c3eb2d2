/**
 * A route's configuration, as its record declares it (shared/routes.ts): the groups it needs,
 * plus the groups a flag turns on (WeChat's credentials while WX_MSG_SEC_CHECK is on), loaded
 * and checked in one place, secrets from SSM included. Nothing else in a function reads the
 * environment for these, so what the route declares is what the deployment passes.
 */
import { type Config, type ConfigOf, type Group, loadConfig } from "../config.js";
import { type ImpliedGroups, impliedGroups, type RouteDef, type RouteName, type routes } from "../routes.js";
import { resolveSecrets } from "../secrets/resolve.js";

type RouteOf<N extends RouteName> = (typeof routes)[N];
/** The groups a route always needs: its action's and its guard's. */
export type GroupsOf<N extends RouteName> = RouteOf<N>["config"][number] | ImpliedGroups<RouteOf<N>>;
/** The groups a route needs only while one of its flags is on. */
export type WhenGroupsOf<N extends RouteName> =
  RouteOf<N> extends { configWhen: infer W }
    ? W[keyof W] extends readonly (infer G extends Group)[]
      ? G
      : never
    : never;
/** What an action of route N sees: its groups for sure, its flagged groups when their flag is on. */
export type RouteConfig<N extends RouteName> = ConfigOf<GroupsOf<N>> & Partial<ConfigOf<WhenGroupsOf<N>>>;

/** The groups a route always needs, its guard's first. */
export const requiredGroupsOf = (route: RouteDef): Group[] => [...new Set([...impliedGroups(route), ...route.config])];

/** Every group a route may read: what the deployment passes and docs/config.md lists. */
export function allGroupsOf(route: RouteDef): Group[] {
  const flagged = Object.values(route.configWhen ?? {}).flat();
  return [...new Set<Group>([...requiredGroupsOf(route), ...flagged, ...(route.configOptional ?? [])])];
}

export async function loadRouteConfig(route: RouteDef, env: NodeJS.ProcessEnv = process.env): Promise<Partial<Config>> {
  const config: Partial<Config> = loadConfig(env, requiredGroupsOf(route));
  const when = route.configWhen ?? {};
  for (const flag of Object.keys(when) as Array<keyof typeof when>) {
    const groups = when[flag];
    if (config[flag] === true && groups) Object.assign(config, loadConfig(env, groups));
  }
  return resolveSecrets(config);
}
