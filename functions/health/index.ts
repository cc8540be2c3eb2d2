import { serve } from "../../shared/http/handler.js";

export const main_handler = serve("health", { config: [] }, async () => ({
  body: { status: "ok" as const, timestamp: Date.now() },
}));
