/**
 * Runs in its own process (stdout is /dev/null, as an SCF instance's log pipe costs a write):
 * loads the built login and chat bundles, logs a user in, and measures the chat bundle against
 * the bare baseline in interleaved blocks (ABAB…), after warming up both.
 */
import { createRequire } from "node:module";
import * as z from "zod/mini";
import { ChatResponse, LoginResponse } from "../shared/schemas.js";
import { urlEvent } from "../test/support/events.js";
import { bareChat } from "./baseline.js";
import { type RpcRequest, serveRpc } from "./rpc.js";

type Response = { statusCode: number; body: string };
type Handler = (event: unknown, context?: { request_id?: string }) => Promise<Response>;

const load = createRequire(import.meta.url);
let chat: Handler;
let login: Handler;
let token = "";
let conversationId = "";
let seq = 0;

const chatEvent = (conversation: string | null, retryId?: string) =>
  urlEvent({
    method: "POST",
    path: "/api/chat",
    headers: { "x-wx-session": token },
    body: { message: "How long is a piece of string?", conversation_id: conversation, client_msg_id: retryId },
  });

async function expectStatus(res: Response, status: number, what: string) {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
}

async function doLogin(): Promise<string> {
  const res = await login(
    urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: `bench:${process.pid}-${++seq}` } }),
  );
  await expectStatus(res, 200, "login");
  return z.parse(LoginResponse, JSON.parse(res.body)).sessionKey;
}

serveRpc({
  async setup(req: RpcRequest) {
    chat = (load(String(req.chatFile)) as { main_handler: Handler }).main_handler;
    login = (load(String(req.loginFile)) as { main_handler: Handler }).main_handler;
    token = await doLogin();
    const first = await chat(chatEvent(null));
    await expectStatus(first, 200, "first chat");
    conversationId = z.parse(ChatResponse, JSON.parse(first.body)).conversation_id;
    return { ok: true };
  },

  /** Fresh sessions (and one conversation for the first) for other processes to use. */
  async sessions(req: RpcRequest) {
    const tokens: string[] = [];
    for (let i = 0; i < Number(req.n); i++) tokens.push(await doLogin());
    return { tokens, token, conversationId };
  },

  /** Plain traffic for the command counts: `n` logins, or `n` chats new or continued. */
  async traffic(req: RpcRequest) {
    for (let i = 0; i < Number(req.n); i++) {
      if (req.kind === "login") await doLogin();
      else if (req.kind === "chat-new") await expectStatus(await chat(chatEvent(null)), 200, "chat");
      else if (req.kind === "chat-continue") await expectStatus(await chat(chatEvent(conversationId)), 200, "chat");
      // The same retry id each time: after the first, each is a replay of the finished turn.
      else if (req.kind === "chat-replay")
        await expectStatus(await chat(chatEvent(conversationId, "replayed")), 200, "chat");
      else await expectStatus(await chat(chatEvent(conversationId, `m-${process.pid}-${++seq}`)), 200, "chat");
    }
    return { ok: true };
  },

  async measure(req: RpcRequest) {
    const rounds = Number(req.rounds);
    const perBlock = Number(req.perBlock);
    const bare = bareChat({
      redisUrl: String(process.env.REDIS_URL),
      prefix: String(process.env.REDIS_KEY_PREFIX),
      openclawUrl: String(process.env.OPENCLAW_BASE_URL),
      openclawToken: String(process.env.OPENCLAW_TOKEN),
    });
    const ours = async () => {
      const event = chatEvent(conversationId);
      const t0 = performance.now();
      const res = await chat(event, { request_id: "bench" });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`chat: ${res.statusCode} ${res.body}`);
      return ms;
    };
    const upstream: number[] = [];
    const theirs = async () => {
      const event = chatEvent(conversationId);
      const t0 = performance.now();
      const res = await bare.handle(event as never);
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`baseline: ${res.statusCode}`);
      upstream.push(bare.lastUpstreamMs());
      return ms;
    };
    const block = async (run: () => Promise<number>, n: number) => {
      const samples: number[] = [];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) samples.push(await run());
      const cpu = process.cpuUsage(cpu0);
      // CPU time of this process only: less swayed than latency by what else the machine runs.
      return { samples, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    // Warm-up: JIT, sockets, script cache, for both sides alike.
    for (let i = 0; i < 3; i++) {
      await block(ours, Number(req.warmup) / 3);
      await block(theirs, Number(req.warmup) / 3);
    }
    upstream.length = 0;
    const a: Array<{ samples: number[]; wallMs: number }> = [];
    const b: Array<{ samples: number[]; wallMs: number }> = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await block(ours, perBlock));
      b.push(await block(theirs, perBlock));
    }
    bare.close();
    return { a, b, upstream };
  },
});
