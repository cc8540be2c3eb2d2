/**
 * Compile-time checks, run by `npm run typecheck` (never executed): an endpoint may not carry a
 * guard its route does not declare, nor leave out one it does (shared/http/pipeline.ts GuardRule).
 * Each line below must stay an error; if the rule stops holding, the directive itself fails.
 */
import { endpoint } from "../../shared/http/handler.js";
import type { Guard } from "../../shared/http/pipeline.js";

const anyone: Guard<undefined, unknown> = { groups: [], run: async () => ({ context: {} }) };

export function guardsFollowTheirRoutes(): void {
  // @ts-expect-error health declares no caller: its bundle may hold no guard.
  endpoint("health", { guard: anyone }, async () => ({ body: { status: "ok" as const, timestamp: 0 } }));
  // @ts-expect-error logout names its caller: it must carry a guard.
  endpoint("logout", {}, async () => ({ body: undefined }));
}
