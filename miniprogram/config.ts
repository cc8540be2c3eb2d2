/**
 * The one place the Mini Program learns where its backend is.
 *
 * `API_BASE_URL` must be the HTTPS origin registered as a "request legal domain" in the Mini
 * Program admin console (Development → Development Settings → Server Domain): scheme and host,
 * plus the port only if the registered entry has one, no path, no trailing slash. WeChat refuses
 * any other URL ("request:fail url not in domain list"), IP addresses and http:// included, so
 * this is the SCF custom domain that routes to the functions (docs/deploy.md), not a function URL.
 *
 * For local work against `npm run dev`, DevTools can skip the check (Details → Local Settings →
 * "Do not verify valid domain names…"): point this at http://127.0.0.1:3000 then, never in a commit.
 */
export const API_BASE_URL = "https://api.example.com";

/**
 * Deadline of one chat request, streamed or not (a stream's until its last event). Longer than
 * the backend's upstream deadline (OPENCLAW_TIMEOUT_MS, 25 s by default, which bounds a streamed
 * reply as a whole too) so a slow model shows up as the backend's clear 504, not as a
 * client-side timeout.
 */
export const CHAT_TIMEOUT_MS = 30_000;

/** Deadline of a login request (the backend's WeChat call itself is bounded by 5 s). */
export const LOGIN_TIMEOUT_MS = 10_000;

/** Deadline of a history request: listing conversations, loading one's messages, deleting one. */
export const HISTORY_TIMEOUT_MS = 10_000;

/**
 * Show replies as they are written (POST /api/chat/stream, read in chunks) rather than whole
 * when complete (POST /api/chat). Chunked reading needs base library 2.20.2 or later; turn this
 * off for a backend without the streaming function, or a network path that buffers responses.
 */
export const STREAM_REPLIES = true;

/** Storage key of the session token (wx.setStorageSync). */
export const SESSION_STORAGE_KEY = "wxclaw.session";
