/** Imports `.lua` files as their text under vitest, as esbuild's text loader does for bundles. */
import type { Plugin } from "vitest/config";

export const luaText: Plugin = {
  name: "lua-text",
  transform(code, id) {
    if (!id.endsWith(".lua")) return null;
    return { code: `export default ${JSON.stringify(code)};`, map: null };
  },
};
