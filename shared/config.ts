/**
 * Configuration from the environment (contract §2), parsed with zod. Each function asks only
 * for the groups it uses, so login keeps working while chat's variables are missing.
 */
import * as z from "zod/mini";
import type { Group } from "./config-groups.js";
import { ApiError } from "./errors.js";

const int = (fallback: number, min: number, max: number) =>
  z.prefault(
    z.pipe(
      z.string(),
      z.transform((raw, ctx) => {
        const n = Number(raw);
        if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
          ctx.issues.push({
            code: "custom",
            input: raw,
            message: `must be a whole number from ${min} to ${max}`,
          });
          return z.NEVER;
        }
        return n;
      }),
    ),
    String(fallback),
  );

const bool = (fallback: boolean) =>
  z.prefault(
    z.pipe(
      z.string(),
      z.transform((raw, ctx) => {
        const v = raw.trim().toLowerCase();
        if (["true", "1", "yes", "on"].includes(v)) return true;
        if (["false", "0", "no", "off"].includes(v)) return false;
        ctx.issues.push({ code: "custom", input: raw, message: "must be true or false" });
        return z.NEVER;
      }),
    ),
    String(fallback),
  );

const httpOrigin = z.string().check(
  z.refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL"),
);

const redisUrl = z
  .string()
  .check(z.refine((s) => /^rediss?:\/\/[^\s]+$/.test(s), "must be a redis:// or rediss:// URL"));

const nonEmpty = z.string().check(z.minLength(1));

/** SSM's own rule for secret names: letters, digits, - and _, starting with a letter or digit. */
const ssmSecretName = z.string().check(z.regex(/^[A-Za-z0-9][\w-]{0,127}$/, "must be an SSM secret name"));
const region = z.string().check(z.regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, "must be a region such as ap-guangzhou"));

/** Every variable we read, with its contract default. */
export const ENV = {
  LOG_LEVEL: z._default(z.enum(["debug", "info", "warn", "error"]), "info"),
  REDIS_URL: redisUrl,
  // No braces: the user's hash tag must be the first {…} in each key (docs/redis.md).
  REDIS_KEY_PREFIX: z._default(
    z.string().check(z.regex(/^[\w:.-]{0,64}$/, "letters, digits, _ : . - only")),
    "wxclaw:",
  ),
  REDIS_MODE: z._default(z.enum(["standalone", "cluster"]), "standalone"),
  WX_APPID: nonEmpty,
  WX_SECRET: nonEmpty,
  WX_SECRET_SSM_NAME: z.optional(ssmSecretName),
  WX_API_BASE: z._default(httpOrigin, "https://api.weixin.qq.com"),
  WX_TIMEOUT_MS: int(5000, 100, 60000),
  OPENCLAW_BASE_URL: httpOrigin,
  OPENCLAW_TOKEN: z.optional(z.string()),
  OPENCLAW_TOKEN_SSM_NAME: z.optional(ssmSecretName),
  SSM_REGION: z.optional(region),
  SSM_ENDPOINT: z.optional(httpOrigin),
  OPENCLAW_AGENT_ID: z._default(z.string().check(z.regex(/^[\w.-]{1,64}$/)), "main"),
  OPENCLAW_TIMEOUT_MS: int(25000, 100, 900000),
  RATE_LIMIT_MAX: int(20, 1, 1_000_000),
  RATE_LIMIT_WINDOW_S: int(60, 1, 86400),
  LOGIN_RATE_LIMIT_MAX: int(60, 1, 1_000_000),
  SESSION_TTL_S: int(604800, 60, 31536000),
  CONVERSATION_TTL_S: int(604800, 60, 31536000),
  MESSAGE_MAX_CHARS: int(2000, 1, 20000),
  HISTORY_ENABLED: bool(true),
  DAILY_TOKEN_QUOTA: int(0, 0, 1_000_000_000),
  // All users together per day (docs/quotas.md); 0 = off.
  GLOBAL_DAILY_TOKEN_QUOTA: int(0, 0, 1_000_000_000_000),
  WX_MSG_SEC_CHECK: bool(false),
  WX_MSG_SEC_CHECK_FAIL_OPEN: bool(false),
  HISTORY_MAX_MESSAGES: int(100, 2, 10000),
} as const;

type Env = typeof ENV;
export type EnvName = keyof Env;

/** One line per variable for docs/config.md (generated: npm run docs:config). */
export const MEANING: Readonly<Record<EnvName, string>> = {
  LOG_LEVEL: "`debug`, `info`, `warn` or `error`",
  REDIS_URL: "`redis://[:password@]host:port[/db]`, `rediss://` for TLS (TencentDB for Redis in production)",
  REDIS_KEY_PREFIX: "prefix of every key written; letters, digits, `_ : . -` (no braces: docs/redis.md)",
  REDIS_MODE: "`cluster` when REDIS_URL names a node of a Redis Cluster (docs/redis.md)",
  WX_APPID: "the Mini Program's AppID",
  WX_SECRET: "its AppSecret; also keys the derived user ids (docs/redis.md). Or from SSM: WX_SECRET_SSM_NAME",
  WX_SECRET_SSM_NAME: "name of the SSM secret holding WX_SECRET (then WX_SECRET stays unset)",
  WX_API_BASE: "WeChat API origin (tests and dev point it at a local stand-in)",
  WX_TIMEOUT_MS: "deadline of one WeChat call",
  OPENCLAW_BASE_URL: "OpenClaw gateway origin on a private address, e.g. `http://10.0.1.5:18789`",
  OPENCLAW_TOKEN: "bearer token of the OpenClaw gateway. Or from SSM: OPENCLAW_TOKEN_SSM_NAME",
  OPENCLAW_TOKEN_SSM_NAME: "name of the SSM secret holding OPENCLAW_TOKEN",
  SSM_REGION: "region of the SSM secrets; required when an SSM name is set",
  SSM_ENDPOINT: "SSM API origin, e.g. a VPC endpoint (default: the public one)",
  OPENCLAW_AGENT_ID: "the OpenClaw agent that answers",
  OPENCLAW_TIMEOUT_MS: "upstream deadline of a turn; past it the reply is 504",
  RATE_LIMIT_MAX: "chat requests per user per window",
  RATE_LIMIT_WINDOW_S: "window of both rate limits, in seconds",
  LOGIN_RATE_LIMIT_MAX: "login attempts per client address per window (docs/runtime.md)",
  SESSION_TTL_S: "lifetime of a session token, fixed at login",
  CONVERSATION_TTL_S: "how long an idle conversation and its history are kept",
  MESSAGE_MAX_CHARS: "longest message, in Unicode code points",
  HISTORY_ENABLED: "store the turns of each conversation for the history API",
  DAILY_TOKEN_QUOTA: "tokens per user per day (Asia/Shanghai); 0 is off (docs/quotas.md)",
  GLOBAL_DAILY_TOKEN_QUOTA: "tokens all users together may spend per day (Asia/Shanghai); 0 is off (docs/quotas.md)",
  WX_MSG_SEC_CHECK: "check messages and replies with WeChat's msgSecCheck (docs/content-security.md)",
  WX_MSG_SEC_CHECK_FAIL_OPEN: "let turns through when msgSecCheck cannot be reached",
  HISTORY_MAX_MESSAGES: "most messages kept per conversation",
};
export type Config = { [K in EnvName]: z.infer<Env[K]> };

/** The variables each capability needs; a function lists the groups it uses. */
export const GROUPS = {
  base: ["LOG_LEVEL"],
  redis: ["REDIS_URL", "REDIS_KEY_PREFIX", "REDIS_MODE"],
  session: ["SESSION_TTL_S"],
  wechat: ["WX_APPID", "WX_SECRET", "WX_SECRET_SSM_NAME", "SSM_REGION", "SSM_ENDPOINT", "WX_API_BASE", "WX_TIMEOUT_MS"],
  loginLimit: ["LOGIN_RATE_LIMIT_MAX", "RATE_LIMIT_WINDOW_S"],
  chatLimit: ["RATE_LIMIT_MAX", "RATE_LIMIT_WINDOW_S"],
  openclaw: [
    "OPENCLAW_BASE_URL",
    "OPENCLAW_TOKEN",
    "OPENCLAW_TOKEN_SSM_NAME",
    "SSM_REGION",
    "SSM_ENDPOINT",
    "OPENCLAW_AGENT_ID",
    "OPENCLAW_TIMEOUT_MS",
  ],
  /** Only where OpenClaw is: the deep health check reaches it without holding its token. */
  openclawOrigin: ["OPENCLAW_BASE_URL"],
  conversations: ["CONVERSATION_TTL_S", "MESSAGE_MAX_CHARS", "HISTORY_ENABLED", "HISTORY_MAX_MESSAGES"],
  quota: ["DAILY_TOKEN_QUOTA", "GLOBAL_DAILY_TOKEN_QUOTA"],
  /** When WX_MSG_SEC_CHECK is on, the "wechat" group is required too (checked at use). */
  contentSecurity: ["WX_MSG_SEC_CHECK", "WX_MSG_SEC_CHECK_FAIL_OPEN"],
} as const satisfies Record<Group, readonly EnvName[]>;

/**
 * Secrets that may come from Tencent Cloud SSM instead of the environment: each variable and
 * the one naming its SSM secret. shared/secrets fills them in after loadConfig.
 */
export const SECRET_SOURCES = {
  WX_SECRET: "WX_SECRET_SSM_NAME",
  OPENCLAW_TOKEN: "OPENCLAW_TOKEN_SSM_NAME",
} as const satisfies Partial<Record<EnvName, EnvName>>;
export type SecretVariable = keyof typeof SECRET_SOURCES;

export type { Group };
export type ConfigOf<G extends Group> = Pick<Config, (typeof GROUPS)[G][number] | "LOG_LEVEL">;

/**
 * The last valid parse per set of groups, with the raw values it read. The environment of an
 * instance does not change between invocations, and building and running the zod schema on
 * every one was about a tenth of a warm chat's time (bench/RESULTS.md); comparing the raw
 * values is a few string comparisons, and a changed value (as tests make) is parsed afresh.
 */
const lastParsed = new Map<string, { names: EnvName[]; raws: Array<string | undefined>; config: object }>();

function unchanged(env: NodeJS.ProcessEnv, names: EnvName[], raws: Array<string | undefined>): boolean {
  for (let i = 0; i < names.length; i++) if (env[names[i] as EnvName] !== raws[i]) return false;
  return true;
}

/**
 * Parses the variables of `groups` from `env`. Empty strings count as unset, because
 * deploy tooling turns an unset `${env:X}` into "" or "undefined". A secret whose SSM name is
 * set is left unset here, for `resolveSecrets` (shared/secrets) to fetch.
 */
export function loadConfig<G extends Group>(env: NodeJS.ProcessEnv, groups: readonly G[]): ConfigOf<G> {
  const cacheKey = groups.join(",");
  const cached = lastParsed.get(cacheKey);
  // A copy: callers fill in secrets, and the next invocation must start from the environment.
  if (cached && unchanged(env, cached.names, cached.raws)) return { ...cached.config } as ConfigOf<G>;

  const names = new Set<EnvName>(["LOG_LEVEL"]);
  for (const g of groups) for (const n of GROUPS[g]) names.add(n);
  const shape: Partial<Record<EnvName, z.ZodMiniType>> = {};
  const input: Record<string, string> = {};
  for (const n of names) {
    shape[n] = ENV[n];
    const raw = env[n];
    if (raw !== undefined && raw !== "" && raw !== "undefined") input[n] = raw;
  }
  const problems = new Map<string, string>();
  for (const [secret, ssmName] of Object.entries(SECRET_SOURCES) as [SecretVariable, EnvName][]) {
    if (!names.has(secret) || !names.has(ssmName) || input[ssmName] === undefined) continue;
    shape[secret] = z.optional(ENV[secret]);
    // Two sources would leave the operator guessing which one is in force.
    if (input[secret] !== undefined) problems.set(secret, `set, and so is ${ssmName}: keep one`);
    if (input.SSM_REGION === undefined) problems.set("SSM_REGION", `missing (${ssmName} is set)`);
  }
  const parsed = z.safeParse(z.object(shape as Record<EnvName, z.ZodMiniType>), input);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const name = String(i.path[0]);
      problems.set(name, input[name] === undefined ? "missing" : i.message);
    }
  }
  if (problems.size > 0 || !parsed.success) {
    const bad = [...problems.keys()].sort();
    throw new ConfigInvalid(bad, bad.map((n) => `${n}: ${problems.get(n)}`).join("; "));
  }
  const read = [...names];
  lastParsed.set(cacheKey, { names: read, raws: read.map((n) => env[n]), config: parsed.data as object });
  return { ...parsed.data } as ConfigOf<G>;
}

/** A missing or invalid variable: 503 for the client, the variable names for the operator. */
export class ConfigInvalid extends ApiError {
  constructor(
    readonly variables: string[],
    detail: string,
  ) {
    super("unavailable", "The service is not configured.", {
      operatorNote: `configuration invalid: ${detail}`,
    });
  }
}
