/** Request/response over a forked child's IPC channel, one call at a time. */
import type { ChildProcess } from "node:child_process";

export interface RpcRequest {
  op: string;
  [key: string]: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

let next = 0;

export function call<T>(child: ChildProcess, request: RpcRequest): Promise<T> {
  const id = ++next;
  return new Promise<T>((resolve, reject) => {
    const onMessage = (msg: Reply) => {
      if (msg.id !== id) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (msg.ok) resolve(msg.result as T);
      else reject(new Error(msg.error));
    };
    const onExit = (code: number | null) => reject(new Error(`worker exited (${code}) during ${request.op}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send({ id, ...request });
  });
}

/** The child's side: answers each request with what `handlers[op]` returns. */
export function serveRpc(handlers: Record<string, (req: RpcRequest) => Promise<unknown>>): void {
  process.on("message", async (msg: RpcRequest & { id: number }) => {
    const handler = handlers[msg.op];
    try {
      if (!handler) throw new Error(`unknown op ${msg.op}`);
      const result = await handler(msg);
      process.send?.({ id: msg.id, ok: true, result });
    } catch (e) {
      process.send?.({ id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
