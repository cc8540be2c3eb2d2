/**
 * Stand-ins for the Mini Program's `Page()` and `App()`: loading a module captures the options object
 * it registers, and `instantiate` builds a page instance the way the framework does, with its
 * own deep copy of `data`, the handlers as methods, and a `setData` that merges into `data`.
 *
 * setData here accepts only what the real one renders faithfully: top-level keys (no "a.b" or
 * "a[0]" paths, which this stand-in does not emulate) and values that survive JSON
 * (undefined and functions are refused; WeChat drops them with a warning).
 */

export type PageInstance<O extends { data: object }> = O & {
  setData(patch: Partial<O["data"]>, callback?: () => void): void;
};

/** Runs `load` (which imports a module) with a global `name`() and returns what the module registered. */
async function capture<O>(name: "Page" | "App", load: () => Promise<unknown>): Promise<O> {
  const g = globalThis as unknown as Record<string, unknown>;
  const previous = g[name];
  let captured: O | undefined;
  g[name] = (options: O) => {
    if (captured) throw new Error(`${name}() called twice by one module`);
    captured = options;
  };
  try {
    await load();
  } finally {
    g[name] = previous;
  }
  if (!captured) throw new Error(`the module did not call ${name}()`);
  return captured;
}

/** The options object a page module hands to Page(). */
export const capturePage = <O extends { data: object }>(load: () => Promise<unknown>) => capture<O>("Page", load);

/** The options object app.ts hands to App(). */
export const captureApp = <O extends object>(load: () => Promise<unknown>) => capture<O>("App", load);

function checkSerialisable(key: string, value: unknown): void {
  if (/[.[]/.test(key)) throw new Error(`setData path keys are not emulated: ${key}`);
  const walk = (v: unknown, at: string): void => {
    if (v === undefined || typeof v === "function") throw new Error(`setData: ${at} is ${typeof v}`);
    if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  walk(value, key);
}

/** A new page instance; runs its onLoad(query) as the framework does when the page opens. */
export function instantiate<O extends { data: object }>(
  options: O,
  query: Record<string, string> = {},
): PageInstance<O> {
  const page = { ...options, data: structuredClone(options.data) } as PageInstance<O>;
  page.setData = (patch, callback) => {
    for (const [key, value] of Object.entries(patch)) checkSerialisable(key, value);
    Object.assign(page.data, patch);
    if (callback) setImmediate(callback);
  };
  const onLoad = (page as { onLoad?: unknown }).onLoad;
  if (typeof onLoad === "function") onLoad.call(page, query);
  return page;
}
