/** The app's one client, configured from config.ts. */
import { API_BASE_URL, CHAT_TIMEOUT_MS, HISTORY_TIMEOUT_MS, LOGIN_TIMEOUT_MS, SESSION_STORAGE_KEY } from "../config";
import { createApiClient } from "./client";

export { type ApiClient, createApiClient } from "./client";
export { ClientError, type ClientErrorKind } from "./errors";

export const api = createApiClient({
  baseUrl: API_BASE_URL,
  chatTimeoutMs: CHAT_TIMEOUT_MS,
  loginTimeoutMs: LOGIN_TIMEOUT_MS,
  historyTimeoutMs: HISTORY_TIMEOUT_MS,
  storageKey: SESSION_STORAGE_KEY,
});
