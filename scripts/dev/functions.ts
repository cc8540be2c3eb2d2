/** Loads every function's handler from source, keyed by its route. */
import type { MainHandler } from "../../shared/http/handler.js";
import type { WebHandler } from "../../shared/http/stream.js";
import { ROUTE_NAMES } from "../../shared/routes.js";
import { functionNames, isWebFunction } from "../build.js";
import type { Handlers } from "./gateway.js";

export async function loadHandlers(): Promise<Handlers> {
  const present = new Set(functionNames());
  const handlers: Handlers = {};
  for (const name of ROUTE_NAMES) {
    if (!present.has(name)) continue;
    const mod = (await import(`../../functions/${name}/index.ts`)) as {
      main_handler?: MainHandler;
      request_handler?: WebHandler;
    };
    handlers[name] = isWebFunction(name) ? mod.request_handler : mod.main_handler;
  }
  return handlers;
}
