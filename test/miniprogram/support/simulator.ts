/**
 * The Mini Program's pages rendered by WeChat's own component test tool, miniprogram-simulate:
 * WXML compiled by WeChat's WXML compiler (the `wcc` binary its miniprogram-compiler package
 * ships, as DevTools does), components run by j-component on WeChat's exparser, drawn into
 * jsdom.
 *
 * The DOM is installed by `installDom`, in a test file that otherwise runs in Node, rather than
 * by vitest's jsdom environment: that one replaces typed arrays and TextEncoder with jsdom's,
 * and esbuild, which the dev stack's modules load, refuses to start among them.
 *
 * The pages are TypeScript; DevTools compiles each .ts file on its own to a .js beside it, and
 * so does `compileProject` here (esbuild without bundling: each file transformed alone, to
 * CommonJS as the Mini Program's module system is), into a folder of its own under .cache/ with
 * the .json, .wxml and .wxss files copied as they are. The compiled page then `require`s the compiled client, which calls
 * the global `wx`: the stand-in (wx.ts), installed after the tool (which brings a mock wx of
 * its own that must not answer for the real one).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "../../../scripts/build.js";
import type { PageDefinition } from "./page";

/**
 * A node of the rendered tree as the tool wraps it. `querySelector` looks through a page's own
 * tree by the class names written in WXML; the DOM (`dom`) has them prefixed with the page's tag.
 */
export interface SimComponent<D extends PageDefinition = PageDefinition> {
  /** The DOM element drawn for it (jsdom). */
  readonly dom: RenderedElement;
  /** The component instance: what `this` is in its methods, as the framework calls them. */
  readonly instance: D["methods"] & { data: D["data"]; setData(patch: object): void };
  querySelector(selector: string): SimComponent | undefined;
  querySelectorAll(selector: string): SimComponent[];
  /** Dispatches a DOM event (tap, input…) on it, as a touch would, then to its WXML binding. */
  dispatchEvent(name: string, options?: { detail?: object }): void;
  attach(parent: RenderedElement): void;
  detach(): void;
}

/** The part of a jsdom element the tests read. */
export interface RenderedElement {
  readonly textContent: string | null;
  readonly tagName: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): RenderedElement | null;
  querySelectorAll(selector: string): ArrayLike<RenderedElement>;
}

export interface Simulate {
  load(componentPath: string, options?: { rootPath?: string; compiler?: "official" | "simulate" }): string;
  render<D extends PageDefinition>(id: string, properties?: object): SimComponent<D>;
  sleep(ms?: number): Promise<void>;
}

/**
 * Loads miniprogram-simulate. Call before installing the wx stand-in: loading it sets a mock
 * `wx` global of its own. Its type declarations are not imported: they pull in an old copy of
 * the Mini Program typings that clashes with the project's.
 */
export function loadSimulate(): Simulate {
  const simulate: Simulate = createRequire(import.meta.url)("miniprogram-simulate");
  return simulate;
}

interface JsdomModule {
  JSDOM: new (
    html: string,
    options: { pretendToBeVisual: boolean; url: string },
  ) => { window: Record<string, unknown> & { document: { body: RenderedElement }; close(): void } };
}

/** Globals that Node has too but that must be jsdom's for jsdom's dispatchEvent to take them. */
const DOM_OVER_NODE = ["Event", "CustomEvent", "EventTarget"];

export interface InstalledDom {
  body: RenderedElement;
  /** Puts the globals back as they were. */
  remove(): void;
}

/**
 * Makes the global scope a browser window as the tool expects (`window` is the global, the DOM
 * classes and `document` are globals), keeping Node's own globals except the events'.
 */
export function installDom(): InstalledDom {
  const { JSDOM }: JsdomModule = createRequire(import.meta.url)("jsdom");
  const { window } = new JSDOM("<!doctype html><html><head></head><body></body></html>", {
    pretendToBeVisual: true,
    url: "https://servicewechat.com/",
  });
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const define = (key: string, value: unknown) => {
    saved.set(key, Object.getOwnPropertyDescriptor(g, key));
    Object.defineProperty(g, key, { value, configurable: true, writable: true });
  };
  for (const key of Object.getOwnPropertyNames(window)) {
    if (key in g && !DOM_OVER_NODE.includes(key)) continue;
    define(key, window[key]);
  }
  for (const key of ["window", "self"]) define(key, g);
  return {
    body: window.document.body,
    remove() {
      for (const [key, descriptor] of saved) {
        if (descriptor) Object.defineProperty(g, key, descriptor);
        else delete g[key];
      }
      window.close();
    },
  };
}

/** Copies the static files (.json, .wxml, .wxss) and lists the .ts files. */
function copyTree(from: string, to: string, sources: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, path.join(to, entry.name), sources);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) sources.push(source);
    else if (/\.(json|wxml|wxss)$/.test(entry.name) && entry.name !== "tsconfig.json") {
      writeFileSync(path.join(to, entry.name), readFileSync(source));
    }
  }
}

export interface CompiledProject {
  /** The compiled miniprogramRoot: `load` takes page paths under it. */
  root: string;
  /**
   * Drops the loaded modules, as a new launch of the app on another phone starts with none: the
   * API client (and its session) is created afresh by the next page loaded.
   */
  relaunch(): void;
  remove(): void;
}

/** A fresh folder under .cache/ (one per call: test files run in parallel). */
export function cacheFolder(name: string): string {
  return path.join(ROOT, ".cache", name, `${process.pid}-${Date.now().toString(36)}`);
}

/** Compiles miniprogram/ with esbuild, one file at a time, into a fresh folder. */
export function compileProject(): CompiledProject {
  const root = cacheFolder("miniprogram-simulate");
  const miniprogram = path.join(ROOT, "miniprogram");
  const sources: string[] = [];
  copyTree(miniprogram, root, sources);
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules", "esbuild", "bin", "esbuild"),
      ...sources,
      `--outdir=${root}`,
      `--outbase=${miniprogram}`,
      "--format=cjs",
      "--target=es2020",
      "--log-level=warning",
      // Imports not written `import type` stay, as DevTools' per-file compile keeps them.
      '--tsconfig-raw={"compilerOptions":{"verbatimModuleSyntax":true}}',
    ],
    { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] },
  );
  return compiledProject(root);
}

/** A folder holding a compiled project (as compileProject leaves it, or another compiler). */
export function compiledProject(root: string): CompiledProject {
  // The repository's package.json says "module"; the compiled files are CommonJS, as in WeChat.
  writeFileSync(path.join(root, "package.json"), '{ "type": "commonjs" }\n');
  const require = createRequire(import.meta.url);
  return {
    root,
    relaunch() {
      for (const file of Object.keys(require.cache)) if (file.startsWith(root + path.sep)) delete require.cache[file];
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Loads a page (as app.json names it, "pages/chat/chat") with WeChat's WXML compiler, and renders it. */
export function renderPage<D extends PageDefinition>(
  simulate: Simulate,
  project: CompiledProject,
  dom: InstalledDom,
  page: string,
): SimComponent<D> {
  const id = simulate.load(path.join(project.root, page), { rootPath: project.root, compiler: "official" });
  const rendered = simulate.render<D>(id);
  rendered.attach(dom.body);
  return rendered;
}
