import { assertHealthy, deepCheck } from "../../shared/health/deep.js";
import { endpoint, serve } from "../../shared/http/handler.js";

export const main_handler = serve(
  endpoint("health", {}, async ({ req }) => {
    if (req.query.deep !== "1" && req.query.deep !== "true") {
      return { body: { status: "ok" as const, timestamp: Date.now() } };
    }
    const checks = await deepCheck();
    assertHealthy(checks);
    return { body: { status: "ok" as const, timestamp: Date.now(), checks } };
  }),
);
