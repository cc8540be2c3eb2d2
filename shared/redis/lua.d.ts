/** A Lua script's source, inlined by the bundler (esbuild's text loader) and the dev loaders. */
declare module "*.lua" {
  const source: string;
  export default source;
}
