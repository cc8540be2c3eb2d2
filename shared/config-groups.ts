/**
 * The names of the configuration groups (their variables are in shared/config.ts GROUPS). Apart
 * from config.ts so that the route table, which the Mini Program's type-checker also reads,
 * names groups without pulling in Node's types.
 */
export const GROUP_NAMES = [
  "base",
  "redis",
  "session",
  "wechat",
  "loginLimit",
  "chatLimit",
  "openclaw",
  "openclawOrigin",
  "conversations",
  "quota",
  "contentSecurity",
] as const;

export type Group = (typeof GROUP_NAMES)[number];
