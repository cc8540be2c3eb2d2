/**
 * Every Redis key we write, in one place. All start with REDIS_KEY_PREFIX and all get a TTL.
 * Session keys hold the SHA-256 of the token, never the token.
 */
export function redisKeys(prefix: string) {
  return {
    session: (tokenHash: string) => `${prefix}session:${tokenHash}`,
    /** The caller's live session hashes, so that an account can be erased as a whole. */
    userSessions: (openid: string) => `${prefix}user:${openid}:sessions`,
    /** Prefix of a limiter's counters; the subject (openid or IP) completes the key. */
    rate: (scope: string) => `${prefix}rl:${scope}:`,
    conversation: (id: string) => `${prefix}conv:${id}`,
    /** The conversation's stored turns (JSON lines), when history is on. */
    conversationMessages: (id: string) => `${prefix}conv:${id}:messages`,
    /** Tokens used by a user on one day (Asia/Shanghai); the openid completes the key. */
    quota: (day: string) => `${prefix}quota:${day}:`,
    /** A chat request's retry record (client_msg_id); the openid and id complete the key. */
    retry: () => `${prefix}retry:`,
    /** WeChat's access token for the app, shared by every instance, and its refresh lock. */
    wxAccessToken: (appid: string) => `${prefix}wx:access_token:${appid}`,
    /** The caller's conversation ids, scored by last use. */
    userConversations: (openid: string) => `${prefix}user:${openid}:conversations`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
