/**
 * Node module hooks that import a `.lua` file as its text (`export default "<source>"`), as
 * esbuild's text loader does for the bundles: tsx runs the sources with these registered.
 */
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".lua")) return nextLoad(url, context);
  const text = await readFile(new URL(url), "utf8");
  return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
}
