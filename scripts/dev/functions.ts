/** Loads every function's handler from source, keyed by function name (shared/functions.ts). */

import { type FunctionName, functions } from "../../shared/functions.js";
import type { MainHandler } from "../../shared/http/handler.js";
import type { WebHandler } from "../../shared/http/stream.js";
import { functionNames } from "../build.js";

export type LoadedFunction = { kind: "event"; handler: MainHandler } | { kind: "web"; handler: WebHandler };
export type Handlers = Partial<Record<FunctionName, LoadedFunction>>;

export async function loadHandlers(): Promise<Handlers> {
  const handlers: Handlers = {};
  for (const name of functionNames()) {
    const mod: { main_handler?: MainHandler; request_handler?: WebHandler } = await import(
      `../../functions/${name}/index.ts`
    );
    if (functions[name].kind === "web") {
      if (!mod.request_handler) throw new Error(`functions/${name}/index.ts exports no request_handler`);
      handlers[name] = { kind: "web", handler: mod.request_handler };
    } else {
      if (!mod.main_handler) throw new Error(`functions/${name}/index.ts exports no main_handler`);
      handlers[name] = { kind: "event", handler: mod.main_handler };
    }
  }
  return handlers;
}
