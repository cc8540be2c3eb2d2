/** The client the pages use: sessions and endpoints bound to one backend origin. */
import { type Chat, createChat } from "./chat";
import { createSessions, type Sessions } from "./session";

export interface ApiClientOptions {
  /** The registered HTTPS origin (config.ts). */
  baseUrl: string;
  chatTimeoutMs: number;
  loginTimeoutMs: number;
  storageKey: string;
}

export interface ApiClient {
  /** One chat turn; logs in first when needed, and again once if the session was refused. */
  chat: Chat;
  /** Logs in now (say, at launch, so the first message does not wait for it). */
  login(): Promise<string>;
  readonly sessions: Sessions;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const sessions = createSessions({
    baseUrl: options.baseUrl,
    timeoutMs: options.loginTimeoutMs,
    storageKey: options.storageKey,
  });
  return {
    chat: createChat(sessions, { baseUrl: options.baseUrl, timeoutMs: options.chatTimeoutMs }),
    login: () => sessions.login(),
    sessions,
  };
}
