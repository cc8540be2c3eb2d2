/** A phone: its own `wx` (own WeChat user, empty storage) and the app's client on the configured domain. */
import { createApiClient } from "../../../miniprogram/api/client";
import { API_BASE_URL, SESSION_STORAGE_KEY } from "../../../miniprogram/config";
import { installWx, type WxStandin } from "./wx";

export interface Phone {
  wx: WxStandin;
  api: ReturnType<typeof createApiClient>;
}

/** `backend` is where the registered domain really points (the dev stack's URL). */
export function newPhone(backend: string, chatTimeoutMs = 10_000): Phone {
  const wx = installWx({ domains: { [API_BASE_URL]: backend } });
  const api = createApiClient({
    baseUrl: API_BASE_URL,
    chatTimeoutMs,
    loginTimeoutMs: 10_000,
    storageKey: SESSION_STORAGE_KEY,
  });
  return { wx, api };
}
