/**
 * Stand-ins for the Mini Program's `Component()` (which builds our pages) and `App()`: loading a
 * module captures the definition it registers, and `instantiate` builds a page instance the way
 * the framework does, with its own deep copy of `data`, `methods` as its methods, and a `setData`
 * that merges into `data`. (simulator.ts renders the same pages in WeChat's own test tool.)
 *
 * setData here accepts only what the real one renders faithfully: values that survive JSON
 * (undefined and functions are refused; WeChat drops them with a warning), under top-level keys
 * or data paths ("messages[3].text", "messages[4]"), which set that one place as WeChat does.
 * A path must lead through what exists: an index at most the array's length (that length
 * appends), a field of an object. Every call is kept in `updates`, to see how a page got where
 * it is, not only where it is.
 */

/** What a page module hands to Component(): its data, its lifecycle and handlers in `methods`. */
export interface PageDefinition {
  data: object;
  methods: object;
}

export type PageInstance<O extends PageDefinition> = O["methods"] & {
  data: O["data"];
  setData(patch: Partial<O["data"]> | Record<string, unknown>, callback?: () => void): void;
  /** Each setData's patch, in order. */
  updates: Record<string, unknown>[];
  /** What onLoad returned (the framework ignores it; a page's loading can be awaited here). */
  loaded: Promise<unknown>;
};

/** Runs `load` (which imports a module) with a global `name`() and returns what the module registered. */
async function capture<O>(name: "Component" | "App", load: () => Promise<unknown>): Promise<O> {
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

/** The definition a page module hands to Component(). */
export const capturePage = <O extends PageDefinition>(load: () => Promise<unknown>) => capture<O>("Component", load);

/** The options object app.ts hands to App(). */
export const captureApp = <O extends object>(load: () => Promise<unknown>) => capture<O>("App", load);

function checkSerialisable(key: string, value: unknown): void {
  const walk = (v: unknown, at: string): void => {
    if (v === undefined || typeof v === "function") throw new Error(`setData: ${at} is ${typeof v}`);
    if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  walk(value, key);
}

/** "messages[3].text" → ["messages", 3, "text"]. */
function parsePath(key: string): (string | number)[] {
  if (!/^[A-Za-z_$][\w$]*(\[\d+\]|\.[A-Za-z_$][\w$]*)*$/.test(key)) throw new Error(`setData: bad path ${key}`);
  return [...key.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)].map((m) =>
    m[2] === undefined ? (m[1] ?? "") : Number(m[2]),
  );
}

function setPath(data: object, key: string, value: unknown): void {
  const path = parsePath(key);
  let at: unknown = data;
  for (const [i, step] of path.entries()) {
    const last = i === path.length - 1;
    if (typeof step === "number") {
      if (!Array.isArray(at) || step > at.length || (!last && step === at.length)) {
        throw new Error(`setData: ${key} reaches past the end of an array`);
      }
    } else if (typeof at !== "object" || at === null || Array.isArray(at)) {
      throw new Error(`setData: ${key} goes through something that is not an object`);
    }
    const container = at as Record<string | number, unknown>;
    if (last) container[step] = structuredClone(value);
    else at = container[step];
  }
}

/** A new page instance; runs its onLoad(query) as the framework does when the page opens. */
export function instantiate<O extends PageDefinition>(options: O, query: Record<string, string> = {}): PageInstance<O> {
  const page = { ...options.methods, data: structuredClone(options.data) } as PageInstance<O>;
  page.updates = [];
  page.setData = (patch, callback) => {
    for (const [key, value] of Object.entries(patch)) checkSerialisable(key, value);
    page.updates.push(structuredClone(patch));
    // WeChat copies what it is given: later changes to the caller's objects do not reach the page.
    for (const [key, value] of Object.entries(patch)) setPath(page.data, key, value);
    if (callback) setImmediate(callback);
  };
  const onLoad = (page as { onLoad?: unknown }).onLoad;
  page.loaded = Promise.resolve(typeof onLoad === "function" ? onLoad.call(page, query) : undefined);
  return page;
}
