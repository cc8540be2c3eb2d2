import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../scripts/openapi/document.js";
import { OPENAPI_FILE, renderOpenApi } from "../../scripts/openapi.js";
import { STATUS_OF } from "../../shared/errors.js";
import { errorsOf, routes } from "../../shared/routes.js";

describe("OpenAPI document", () => {
  it("is current: docs/openapi.json equals what `npm run openapi` generates", () => {
    expect(readFileSync(OPENAPI_FILE, "utf8"), "run `npm run openapi`").toBe(renderOpenApi());
  });

  it("covers every route with its body, success response and error codes", () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const [name, route] of Object.entries(routes)) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, name).toBeDefined();
      expect(op?.operationId).toBe(name);
      const responses = op?.responses as Record<string, { description: string }>;
      expect(Object.keys(responses)).toContain(String(route.status));
      for (const code of errorsOf(route)) expect(responses[String(STATUS_OF[code])]?.description).toContain(code);
      if ("body" in route) expect(op?.requestBody).toBeDefined();
    }
  });
});
