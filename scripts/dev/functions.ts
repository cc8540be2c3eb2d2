/** Loads every function's handler from source, keyed by function name (shared/functions.ts). */

import { type FunctionName, functions } from "../../shared/functions.js";
import type { MainHandler } from "../../shared/http/handler.js";
import type { WebHandler } from "../../shared/http/stream.js";
import { jsonHandler } from "../../shared/http/web-server.js";
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
      // A JSON Web function serves its event pipeline over HTTP, as its server.ts does.
      const handler = mod.request_handler ?? (mod.main_handler && jsonHandler(mod.main_handler));
      if (!handler) throw new Error(`functions/${name}/index.ts exports neither request_handler nor main_handler`);
      handlers[name] = { kind: "web", handler };
    } else {
      if (!mod.main_handler) throw new Error(`functions/${name}/index.ts exports no main_handler`);
      handlers[name] = { kind: "event", handler: mod.main_handler };
    }
  }
  return handlers;
}
