/**
 * A local OpenClaw gateway for development and tests, speaking its OpenAI-compatible wire
 * format (contract §5): POST /v1/chat/completions with a bearer token and
 * `x-openclaw-agent-id`, JSON or server-sent events, and OpenClaw's `{error: {message, type}}`.
 * It answers deterministically and reports token usage. Tests queue faults and read what it
 * received. It is a development tool: no deployed function points at it.
 */
import http from "node:http";
import { type Running, readBody, serveOn, sleep } from "./http.js";

export type OpenClawFault =
  | { status: number; error?: { message: string; type: string } }
  | { raw: string; status?: number }
  | { delayMs: number }
  | { hang: true }
  | { resetMidBody: true }
  | { noUsage: true }
  /** Answers with this text instead of the echo. */
  | { reply: string }
  /** Streaming only: fail after this many text deltas, with OpenClaw's in-stream error line. */
  | { failAfterDeltas: number }
  /** Streaming only: send this many text deltas, then hold the connection open until it closes. */
  | { holdAfterDeltas: number }
  /** Streaming only: send the whole reply and its usage, then hold open without `[DONE]`. */
  | { holdBeforeDone: true };

export interface ReceivedCall {
  agent: string | undefined;
  authorization: string | undefined;
  model: unknown;
  user: unknown;
  messages: unknown;
  stream: boolean;
  /** Every field of the body, to prove nothing else was forwarded. */
  fields: string[];
}

export interface OpenClawStandin extends Running {
  readonly calls: ReceivedCall[];
  /** Applies these to the next calls, in order. */
  queue(...faults: OpenClawFault[]): void;
  /** Calls whose connection closed before the answer was complete (client aborts). */
  readonly aborted: number;
  /** Streams held open right now by a `hold…` fault, everything before the hold written. */
  readonly holding: number;
  /** The most calls it has been answering at the same moment. */
  readonly maxInFlight: number;
}

export interface OpenClawOptions {
  /** Required bearer token; undefined accepts any. */
  token?: string;
  agents?: string[];
  port?: number;
  /** Pause between streamed pieces, to make streaming visible. */
  streamDelayMs?: number;
  /** Holds every turn this long before answering, as a real model takes its time. */
  replyDelayMs?: number;
  /** Pads every reply to at least this many characters (a reply of a few KB). */
  replyMinChars?: number;
}

/** The deterministic answer to a message. */
export function standinReply(message: string, turn: number): string {
  return `(turn ${turn}) You said: ${message}`;
}

const tokensOf = (text: string) => Math.max(1, Math.ceil([...text].length / 4));

export async function startOpenClawStandin(options: OpenClawOptions = {}): Promise<OpenClawStandin> {
  const agents = new Set(options.agents ?? ["main"]);
  const calls: ReceivedCall[] = [];
  const faults: OpenClawFault[] = [];
  const turns = new Map<string, number>();
  let aborted = 0;
  let holding = 0;
  /** Keeps a stream open, as a model still writing does, until the caller closes it. */
  const held = (res: http.ServerResponse) => {
    holding++;
    return new Promise<void>((resolve) =>
      res.once("close", () => {
        holding--;
        resolve();
      }),
    );
  };
  let inFlight = 0;
  let maxInFlight = 0;

  const padded = (text: string) =>
    options.replyMinChars && text.length < options.replyMinChars
      ? `${text} ${"lorem ipsum ".repeat(Math.ceil((options.replyMinChars - text.length) / 12))}`
      : text;

  const server = http.createServer(async (req, res) => {
    const json = (status: number, value: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(value));
    };
    const fail = (status: number, message: string, type: string) => json(status, { error: { message, type } });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => {
      inFlight--;
      if (!res.writableFinished) aborted++;
    });

    if (req.method !== "POST" || req.url !== "/v1/chat/completions") return fail(404, "Not Found", "not_found");
    const text = await readBody(req);
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return fail(401, "Unauthorized", "unauthorized");
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(400, "Invalid JSON body", "invalid_request_error");
    }
    const agent = req.headers["x-openclaw-agent-id"];
    const agentId = typeof agent === "string" ? agent : undefined;
    calls.push({
      agent: agentId,
      authorization: req.headers.authorization,
      model: body.model,
      user: body.user,
      messages: body.messages,
      stream: body.stream === true,
      fields: Object.keys(body).sort(),
    });
    // The real gateway's wording (2026.9.6).
    if (!agentId || !agents.has(agentId))
      return fail(400, `Unknown agent '${String(agentId)}'.`, "invalid_request_error");
    if (body.model !== `openclaw:${agentId}`)
      return fail(400, `Unknown model '${String(body.model)}'.`, "invalid_request_error");
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const last = messages.at(-1) as { content?: unknown } | undefined;
    if (typeof last?.content !== "string")
      return fail(400, "messages must end with a user message", "invalid_request_error");

    const fault = faults.shift();
    if (options.replyDelayMs) await sleep(options.replyDelayMs);
    if (fault && "delayMs" in fault) await sleep(fault.delayMs);
    if (fault && "hang" in fault) return;
    if (fault && "status" in fault && !("raw" in fault)) {
      return json(fault.status, { error: fault.error ?? { message: "Provider failed", type: "api_error" } });
    }
    if (fault && "raw" in fault) {
      res.writeHead(fault.status ?? 200, { "content-type": "application/json" });
      return res.end(fault.raw);
    }

    const key = typeof body.user === "string" ? body.user : "";
    const turn = (turns.get(key) ?? 0) + 1;
    turns.set(key, turn);
    const reply = fault && "reply" in fault ? fault.reply : padded(standinReply(last.content, turn));
    const usage = {
      prompt_tokens: tokensOf(last.content),
      completion_tokens: tokensOf(reply),
      total_tokens: tokensOf(last.content) + tokensOf(reply),
    };
    const id = `chatcmpl-standin-${calls.length}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
      const pieces = reply.match(/.{1,8}/gsu) ?? [reply];
      for (const [i, piece] of pieces.entries()) {
        if (res.destroyed) return;
        if (fault && "failAfterDeltas" in fault && i === fault.failAfterDeltas) {
          send({ error: { message: "Provider failed mid-stream", type: "api_error" } });
          res.write("data: [DONE]\n\n");
          return res.end();
        }
        if (fault && "holdAfterDeltas" in fault && i === fault.holdAfterDeltas) return held(res);
        send({
          id,
          object: "chat.completion.chunk",
          created,
          model: body.model,
          choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: piece } : { content: piece } }],
        });
        if (options.streamDelayMs) await sleep(options.streamDelayMs);
      }
      send({
        id,
        object: "chat.completion.chunk",
        created,
        model: body.model,
        choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      });
      if (!(fault && "noUsage" in fault))
        send({ id, object: "chat.completion.chunk", created, model: body.model, choices: [], usage });
      if (fault && "holdBeforeDone" in fault) return held(res);
      res.write("data: [DONE]\n\n");
      return res.end();
    }

    const payload = JSON.stringify({
      id,
      object: "chat.completion",
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
      ...(fault && "noUsage" in fault ? {} : { usage }),
    });
    if (fault && "resetMidBody" in fault) {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(payload.length) });
      res.write(payload.slice(0, 20));
      await sleep(5);
      return res.destroy();
    }
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(payload);
  });

  const running = await serveOn(server, options.port);
  return {
    ...running,
    calls,
    queue: (...next) => {
      faults.push(...next);
    },
    get aborted() {
      return aborted;
    },
    get holding() {
      return holding;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}
