/**
 * A model provider for a real OpenClaw gateway to call: OpenAI's `POST /v1/chat/completions`,
 * JSON or server-sent events, answering at once and deterministically, with token usage.
 *
 * Its reply describes the prompt it was given, so a test can see what OpenClaw sent without
 * reading OpenClaw's internals: which OpenClaw session the prompt belongs to (OpenClaw writes
 * `session=<key>` into the prompt), how many earlier assistant replies it carried (the
 * conversation so far) and every `#tag` in the user's messages, in order. Each call also keeps
 * the user messages' text, the tools and skills OpenClaw offered the model, and the skills the
 * user's message selected (OpenClaw then tells the model to use them, before the request).
 *
 * Not to be confused with scripts/standins/openclaw.ts, which plays the gateway itself.
 */
import http from "node:http";
import { type Running, readBody, serveOn } from "../standins/http.js";

export type ProviderFault =
  /** Answer with this HTTP status and an OpenAI error body. */
  | { status: number; message?: string }
  /** Accept the request and never answer (until the provider closes). */
  | { hang: true }
  /** Streaming: send this many text pieces, then cut the connection. */
  | { cutAfterPieces: number }
  /** Streaming: send this many text pieces, then an in-stream `data: {"error": …}` and `[DONE]`. */
  | { errorAfterPieces: number };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ProviderCall {
  model: unknown;
  stream: boolean;
  /** OpenClaw's session key found in the prompt, if any. */
  session: string | undefined;
  /** Assistant messages in the prompt: the exchanges before this turn. */
  priorReplies: number;
  tags: string[];
  /** The text of each user message in the prompt, in order, as OpenClaw passed it on. */
  userTexts: string[];
  /** Names of the function tools OpenClaw offered the model. */
  tools: string[];
  /** Names of the skills the prompt's `<available_skills>` list offered the model. */
  skills: string[];
  /**
   * Skills the user's message selected (`$name`, `/name`, `/skill name`): OpenClaw lists them
   * under "Use the following explicitly referenced skills…" before the user's request.
   */
  referencedSkills: string[];
  /** What the provider answered: a reply and its usage, or the fault it played. */
  reply?: string;
  usage?: Usage;
  fault?: ProviderFault;
  /** The caller closed the connection before the answer was complete (e.g. OpenClaw gave up). */
  abandoned?: boolean;
}

export interface ModelProvider extends Running {
  readonly apiKey: string;
  readonly modelId: string;
  readonly calls: ProviderCall[];
  /** Plays these faults on the next calls, one each, in order. */
  queue(...faults: ProviderFault[]): void;
  /** Plays this fault on every call until cleared with `null`. */
  failAll(fault: ProviderFault | null): void;
}

export interface ModelProviderOptions {
  apiKey: string;
  modelId?: string;
  /** Characters per streamed piece. */
  pieceChars?: number;
}

interface Message {
  role?: unknown;
  content?: unknown;
}

interface Tool {
  function?: { name?: unknown };
}

/** Text of a message whose content is a string or OpenAI's array of parts. */
function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content
    .map((part: { type?: unknown; text?: unknown }) =>
      part?.type === "text" && typeof part.text === "string" ? part.text : "",
    )
    .join("\n");
}

/** What the prompt reveals, and the deterministic reply that reports it. */
export function describePrompt(
  messages: Message[],
): Pick<ProviderCall, "session" | "priorReplies" | "tags" | "userTexts" | "skills" | "referencedSkills"> {
  const all = messages.map(textOf).join("\n");
  const skills = [...all.matchAll(/<skill>\s*<name>([^<]+)<\/name>/g)].map((m) => m[1] ?? "");
  const session = /session=(agent:[^\s|]+)/.exec(all)?.[1];
  const priorReplies = messages.filter((m) => m.role === "assistant").length;
  const userTexts = messages.filter((m) => m.role === "user").map(textOf);
  const tags = userTexts.flatMap((text) => [...text.matchAll(/#([A-Za-z0-9_-]+)/g)].map((t) => t[1] ?? ""));
  const referencedSkills = userTexts.flatMap((text) => {
    const list = /explicitly referenced skills[^\n]*\n((?:- [^\n]*\n)+)/.exec(text)?.[1] ?? "";
    return [...list.matchAll(/^- (\S+)/gm)].map((m) => m[1] ?? "");
  });
  return { session, priorReplies, tags, userTexts, skills, referencedSkills };
}

export function providerReply(seen: Pick<ProviderCall, "session" | "priorReplies" | "tags">): string {
  const tags = seen.tags.length > 0 ? seen.tags.map((t) => `#${t}`).join(" ") : "none";
  return `Reply ${seen.priorReplies + 1} in session ${seen.session ?? "unknown"}; tags so far: ${tags}.`;
}

const tokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

export async function startModelProvider(options: ModelProviderOptions): Promise<ModelProvider> {
  const modelId = options.modelId ?? "echo-1";
  const pieceChars = options.pieceChars ?? 12;
  const calls: ProviderCall[] = [];
  const queued: ProviderFault[] = [];
  let always: ProviderFault | null = null;

  const server = http.createServer(async (req, res) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const error = (status: number, message: string, type: string) => json(status, { error: { message, type } });
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return error(401, "Incorrect API key provided", "invalid_request_error");
    }
    if (req.method === "GET" && req.url === "/v1/models") {
      return json(200, { object: "list", data: [{ id: modelId, object: "model", owned_by: "wxclaw-test" }] });
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") return error(404, "Not found", "not_found");
    let request: {
      model?: unknown;
      messages?: unknown;
      tools?: unknown;
      stream?: unknown;
      stream_options?: { include_usage?: unknown };
    };
    try {
      request = JSON.parse(body);
    } catch {
      return error(400, "Invalid JSON", "invalid_request_error");
    }
    if (request.model !== modelId) return error(404, `The model ${String(request.model)} does not exist`, "not_found");
    const messages = Array.isArray(request.messages) ? (request.messages as Message[]) : [];
    const stream = request.stream === true;
    const tools = (Array.isArray(request.tools) ? (request.tools as Tool[]) : []).map((t) => String(t?.function?.name));
    const call: ProviderCall = { model: request.model, stream, tools, ...describePrompt(messages) };
    calls.push(call);
    res.on("close", () => {
      if (!res.writableFinished) call.abandoned = true;
    });

    const fault = queued.shift() ?? always ?? undefined;
    if (fault) call.fault = fault;
    if (fault && "hang" in fault) return;
    if (fault && "status" in fault) {
      return error(
        fault.status,
        fault.message ?? "The provider failed",
        fault.status >= 500 ? "server_error" : "invalid_request_error",
      );
    }

    const reply = providerReply(call);
    const promptChars = messages.reduce((n, m) => n + textOf(m).length, 0);
    const usage: Usage = {
      prompt_tokens: tokens(promptChars),
      completion_tokens: tokens(reply.length),
      total_tokens: tokens(promptChars) + tokens(reply.length),
    };
    const id = `chatcmpl-provider-${calls.length}`;
    const created = Math.floor(Date.now() / 1000);
    if (!stream) {
      call.reply = reply;
      call.usage = usage;
      return json(200, {
        id,
        object: "chat.completion",
        created,
        model: modelId,
        choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        usage,
      });
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices, ...extra })}\n\n`,
      );
    const pieces = reply.match(new RegExp(`.{1,${pieceChars}}`, "gsu")) ?? [reply];
    for (const [i, piece] of pieces.entries()) {
      if (fault && "cutAfterPieces" in fault && i === fault.cutAfterPieces) {
        res.destroy();
        return;
      }
      if (fault && "errorAfterPieces" in fault && i === fault.errorAfterPieces) {
        res.write(
          `data: ${JSON.stringify({ error: { message: "The provider failed mid-stream", type: "server_error" } })}\n\n`,
        );
        res.end("data: [DONE]\n\n");
        return;
      }
      chunk([{ index: 0, delta: i === 0 ? { role: "assistant", content: piece } : { content: piece } }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }]);
    if (request.stream_options?.include_usage === true) chunk([], { usage });
    res.end("data: [DONE]\n\n");
    call.reply = reply;
    call.usage = usage;
  });

  const running = await serveOn(server);
  return {
    ...running,
    apiKey: options.apiKey,
    modelId,
    calls,
    queue: (...faults) => {
      queued.push(...faults);
    },
    failAll: (fault) => {
      always = fault;
    },
  };
}
