/**
 * Every Redis key we write, in one place. All start with REDIS_KEY_PREFIX and all get a TTL.
 *
 * A user's keys are named by their derived id (a keyed hash of the openid: key names show up in
 * slow logs and monitoring), wrapped in a hash tag, `{<id>}`, always. Every key a script touches
 * then sits in one hash slot, on a Redis Cluster or behind TencentDB's cluster proxy alike, and
 * users spread over the slots. Scripts get every key in KEYS; none is built inside Lua.
 */

/** Hex characters of a user's derived id: 64 bits, also carried at the front of their tokens. */
export const USER_ID_HEX = 16;
const USER_ID_FORMAT = /^[0-9a-f]{16}$/;

/**
 * Each kind of per-user key, and how an erase finds it: as a single key, as one key per member
 * of one of the user's indexes, or not at all (the two abuse counters and the erase marker,
 * integers that expire on their own). The erase works from this table, and a test checks that
 * nothing else survives it, so a new kind cannot be forgotten.
 */
export const USER_KEY_KINDS = {
  session: { erase: "sessions" },
  sessions: { erase: "single" },
  conversation: { erase: "conversations" },
  messages: { erase: "conversations" },
  conversations: { erase: "single" },
  retry: { erase: "retries" },
  retries: { erase: "single" },
  rate: { erase: "kept" },
  quota: { erase: "kept" },
  erased: { erase: "kept" },
} as const satisfies Record<string, { erase: "single" | "sessions" | "conversations" | "retries" | "kept" }>;

export type UserKeyKind = keyof typeof USER_KEY_KINDS;
/** The indexes an erase reads to find a user's keys. */
export type UserIndex = "sessions" | "conversations" | "retries";

export interface UserKeys {
  /** The slot-pinning prefix every key of this user starts with. */
  readonly base: string;
  /** One session, under the SHA-256 of its token (never the token). */
  session(tokenHash: string): string;
  /** The user's live session hashes (a set), so that an account can be erased as a whole. */
  readonly sessions: string;
  /** A conversation (a hash); an id we could never have issued names a key that cannot exist. */
  conversation(id: string): string;
  /** A conversation's stored turns (JSON lines), when history is on. */
  messages(id: string): string;
  /** The user's conversation ids, scored by last use. */
  readonly conversations: string;
  /** A chat request's retry record, named by the hash of its client_msg_id. */
  retry(idHash: string): string;
  /** The user's retry records (a hash: record → expiry ms), so that an erase finds them all. */
  readonly retries: string;
  /** The chat rate-limit counter: survives an erase, so erase and login again resets nothing. */
  readonly rate: string;
  /** Tokens used on one day (Asia/Shanghai, YYYYMMDD): survives an erase. */
  quota(day: string): string;
  /** Erase marker: when the last erase ran (ms); a turn that started before it records nothing. */
  readonly erased: string;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{22}$/;

export function redisKeys(prefix: string) {
  return {
    /** The keys of the user with derived id `uid` (see shared/auth/user-id.ts). */
    user(uid: string): UserKeys {
      if (!USER_ID_FORMAT.test(uid)) throw new Error("not a derived user id");
      const base = `${prefix}{${uid}}:`;
      const conversation = (id: string) => `${base}conv:${CONVERSATION_ID.test(id) ? id : "!"}`;
      const keys: UserKeys = {
        base,
        session: (tokenHash) => `${base}session:${tokenHash}`,
        sessions: `${base}sessions`,
        conversation,
        messages: (id) => `${conversation(id)}:messages`,
        conversations: `${base}convs`,
        retry: (idHash) => `${base}retry:${idHash}`,
        retries: `${base}retries`,
        rate: `${base}rl:chat`,
        quota: (day) => `${base}quota:${day}`,
        erased: `${base}erased`,
      };
      return keys;
    },
    /** A source IP's counter of a scope (login): not a user's, so not erased; it expires with its window. */
    ipRate: (scope: string, ip: string) => `${prefix}rl:${scope}:${ip}`,
    /**
     * Tokens all users spent on one day (GLOBAL_DAILY_TOKEN_QUOTA), and the marker set when that
     * day's cap was first reached. Their own slot, `{global}`: no user's script touches them.
     */
    globalQuota: (day: string) => `${prefix}{global}:quota:${day}`,
    globalQuotaReached: (day: string) => `${prefix}{global}:quota:${day}:reached`,
    /** WeChat's access token for the app, shared by every instance. */
    wxAccessToken: (appid: string) => `${prefix}wx:access_token:${appid}`,
    /** The lock one caller holds while it refreshes that token. */
    wxAccessTokenLock: (appid: string) => `${prefix}wx:access_token:${appid}:lock`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** The kind of one of a user's keys, from its name (tests and docs check the key space with it). */
export function userKeyKind(prefix: string, key: string): UserKeyKind | undefined {
  const m = /^\{[0-9a-f]{16}\}:(.*)$/.exec(key.startsWith(prefix) ? key.slice(prefix.length) : "");
  const rest = m?.[1];
  if (rest === undefined) return undefined;
  const patterns: Array<[RegExp, UserKeyKind]> = [
    [/^session:[0-9a-f]{64}$/, "session"],
    [/^sessions$/, "sessions"],
    [/^conv:[^:]+$/, "conversation"],
    [/^conv:[^:]+:messages$/, "messages"],
    [/^convs$/, "conversations"],
    [/^retry:[0-9a-f]+$/, "retry"],
    [/^retries$/, "retries"],
    [/^rl:chat$/, "rate"],
    [/^quota:\d{8}$/, "quota"],
    [/^erased$/, "erased"],
  ];
  return patterns.find(([re]) => re.test(rest))?.[1];
}
