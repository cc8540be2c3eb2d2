/** `npm run openapi`: writes docs/openapi.json from the route table and schemas. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./build.js";
import { openApiDocument } from "./openapi/document.js";

export const OPENAPI_FILE = path.join(ROOT, "docs", "openapi.json");
export const renderOpenApi = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "scripts", "openapi.ts");
if (invokedDirectly) {
  mkdirSync(path.dirname(OPENAPI_FILE), { recursive: true });
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${path.relative(ROOT, OPENAPI_FILE)}`);
}
