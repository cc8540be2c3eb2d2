/**
 * A streamed chat turn: the same request with `stream: true` and usage included, answered as
 * server-sent events (`data: {chat.completion.chunk}` … usage chunk … `data: [DONE]`). A failure
 * after the stream started still has status 200 and arrives as `data: {"error": …}`.
 */
import { StringDecoder } from "node:string_decoder";
import { ApiError } from "../errors.js";
import { openRequest, UpstreamTimeout } from "../net/http-client.js";
import { parseWire } from "../net/wire.js";
import {
  type Answer,
  completionRequest,
  failureFor,
  type OpenClawConfig,
  upstreamError,
  upstreamTimeout,
} from "./client.js";
import { CompletionChunk } from "./wire.js";

export interface StreamOptions {
  /** Called once the upstream accepted the request (status 200), before any text. */
  onOpen?: () => void;
  onDelta: (text: string) => void;
  /** Called with total_tokens when the usage chunk arrives (it may arrive before the end). */
  onUsage?: (tokens: number) => void;
  /** Aborts the upstream call (the client went away). */
  signal?: AbortSignal;
}

/** Splits an SSE byte stream into the `data` of each event, whatever the chunking. */
export class SseParser {
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";

  push(chunk: Buffer): string[] {
    this.buffer += this.decoder.write(chunk);
    const events: string[] = [];
    let end = this.buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      const data = block
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      if (data !== "") events.push(data);
      end = this.buffer.search(/\r?\n\r?\n/);
    }
    return events;
  }
}

export async function completeStream(
  config: OpenClawConfig,
  userKey: string,
  message: string,
  options: StreamOptions,
): Promise<Answer> {
  const req = completionRequest(config, userKey, message, true);
  const call = openRequest(req.url, {
    method: "POST",
    headers: req.headers,
    body: req.body,
    timeoutMs: config.OPENCLAW_TIMEOUT_MS,
    signal: options.signal,
  });
  try {
    const res = await call.response;
    if (res.statusCode !== 200) {
      let text = "";
      for await (const chunk of res) text += chunk;
      throw failureFor(res.statusCode ?? 0, text, message, config.OPENCLAW_TIMEOUT_MS);
    }
    options.onOpen?.();
    const parser = new SseParser();
    let text = "";
    let tokens = 0;
    for await (const chunk of res) {
      for (const data of parser.push(chunk as Buffer)) {
        if (data === "[DONE]") return { text, tokens };
        const parsed = parseWire(CompletionChunk, data);
        if (!parsed) throw upstreamError("unparsable stream event");
        if (parsed.error) {
          const type = parsed.error.type;
          if (/timeout/i.test(type)) throw upstreamTimeout(config.OPENCLAW_TIMEOUT_MS, `stream error ${type}`);
          throw upstreamError(`stream error ${type}`);
        }
        const piece = parsed.choices?.[0]?.delta?.content;
        if (typeof piece === "string" && piece !== "") {
          text += piece;
          options.onDelta(piece);
        }
        const total = parsed.usage?.total_tokens;
        if (total !== undefined) {
          tokens = total;
          options.onUsage?.(total);
        }
      }
    }
    throw upstreamError("stream ended without [DONE]");
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (call.timedOut() || e instanceof UpstreamTimeout) throw upstreamTimeout(config.OPENCLAW_TIMEOUT_MS);
    if (options.signal?.aborted) throw upstreamError("aborted: the client went away");
    throw upstreamError(`stream broke (${(e as Error).message})`);
  } finally {
    call.done();
    call.abort(new Error("finished"));
  }
}
