/**
 * Compile-time checks, run by `npm run typecheck` (never executed): an endpoint carries exactly
 * the guard its route's record calls for, and the retry policy only where the record declares
 * idempotency (shared/http/pipeline.ts GuardRule, RetryRule). Each line below must stay an
 * error; if the rule stops holding, the directive itself fails.
 */
import { addressGuard, sessionGuard } from "../../shared/auth/guards.js";
import { chatSpec } from "../../shared/chat/spec.js";
import { endpoint } from "../../shared/http/handler.js";

export function guardsFollowTheirRoutes(): void {
  // @ts-expect-error health declares no caller: its bundle may hold no guard.
  endpoint("health", { guard: sessionGuard }, async () => ({ body: { status: "ok" as const, timestamp: 0 } }));
  // @ts-expect-error logout names its caller: it must carry a guard.
  endpoint("logout", {}, async () => ({ body: undefined }));
  // @ts-expect-error logout names its caller: the address guard does not identify anyone.
  endpoint("logout", { guard: addressGuard }, async () => ({ body: undefined }));
  // @ts-expect-error login is limited per client address and has no session to check.
  endpoint("login", { guard: sessionGuard }, async () => ({ body: { sessionKey: "", expiresIn: 0 } }));
  // @ts-expect-error chat declares idempotency: its spec must hand over the retry policy.
  endpoint("chat", { guard: sessionGuard }, async () => {
    throw new Error("never runs");
  });
  // @ts-expect-error logout declares no idempotency: a retry policy would be dead code in its bundle.
  endpoint("logout", { guard: sessionGuard, retry: chatSpec.retry }, async () => ({ body: undefined }));
}
