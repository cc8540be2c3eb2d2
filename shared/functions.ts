/**
 * The SCF functions we deploy, and which routes each serves. The custom domain routes by path
 * alone (CONTRACT §1), so routes whose paths one PathMatch rule cannot tell apart must share a
 * function: `/api/conversations/{id}` and `/api/conversations/{id}/messages` both fall under
 * `/api/conversations/*`. shared/path-match.ts derives the rules and refuses a table whose
 * functions' rules overlap.
 */
import type { RouteName } from "./routes.js";

export interface FunctionDef {
  /**
   * `event`: `index.js` exporting `main_handler`, one request per instance at a time.
   * `web`: `server.js` started by `scf_bootstrap`, an HTTP server that may take `concurrency`
   * requests at once.
   */
  kind: "event" | "web";
  /** The routes it answers; its folder functions/<name>/ serves exactly these. */
  routes: readonly RouteName[];
  memoryMB: 64 | 128 | 256 | 512;
  /**
   * Longest invocation the platform allows, in seconds: the sum of the upstream waits one request
   * can make in a row, plus headroom (scripts/deploy/plan.ts `timeoutFor`; a test keeps the two
   * equal).
   */
  timeoutS: number;
  /** Requests one instance serves at once; event functions always 1. */
  concurrency: number;
}

export const functions = {
  health: { kind: "event", routes: ["health"], memoryMB: 128, timeoutS: 7, concurrency: 1 },
  login: { kind: "event", routes: ["login"], memoryMB: 128, timeoutS: 28, concurrency: 1 },
  logout: { kind: "event", routes: ["logout"], memoryMB: 128, timeoutS: 10, concurrency: 1 },
  // Concurrency and memory from the memory model (docs/concurrency.md); SCF_CHAT_CONCURRENCY overrides it at deploy.
  chat: { kind: "web", routes: ["chat"], memoryMB: 128, timeoutS: 83, concurrency: 100 },
  "chat-stream": { kind: "web", routes: ["chat-stream"], memoryMB: 128, timeoutS: 83, concurrency: 1 },
  conversations: {
    kind: "event",
    routes: ["conversations", "conversation-messages", "conversation-delete"],
    memoryMB: 128,
    timeoutS: 10,
    concurrency: 1,
  },
  me: { kind: "event", routes: ["me-delete"], memoryMB: 128, timeoutS: 10, concurrency: 1 },
} as const satisfies Record<string, FunctionDef>;

export type FunctionName = keyof typeof functions;
export const FUNCTION_NAMES = Object.keys(functions) as FunctionName[];

export const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(functions, name);

export function functionDef(name: FunctionName): FunctionDef {
  return functions[name];
}

/** The function that serves `route`. */
export function functionOfRoute(route: RouteName): FunctionName {
  const owner = FUNCTION_NAMES.find((f) => (functions[f].routes as readonly RouteName[]).includes(route));
  if (!owner) throw new Error(`route ${route} is served by no function in shared/functions.ts`);
  return owner;
}
