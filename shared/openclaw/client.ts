/**
 * OpenClaw's OpenAI-compatible endpoint (contract §5). We send only the new user message, its
 * skill references defused (./defuse.ts), under the conversation's opaque `user` key (OpenClaw
 * keeps the transcript per key) and nothing else the client chose. Failures map to the
 * contract's codes; misconfiguration gets an operator line.
 */
import type { ConfigOf } from "../config.js";
import { ApiError } from "../errors.js";
import { fetchText, type HttpResult, UpstreamTimeout } from "../net/http-client.js";
import { parseWire } from "../net/wire.js";
import { defuse } from "./defuse.js";
import { Completion, OpenClawError } from "./wire.js";

export type OpenClawConfig = ConfigOf<"openclaw">;

export interface Answer {
  text: string;
  tokens: number;
}

let lastBase = "";
let lastUrl: URL | undefined;
/** Parsed once per base URL: the same for every invocation of an instance. */
function completionsUrl(base: string): URL {
  if (!lastUrl || base !== lastBase) {
    lastUrl = new URL("/v1/chat/completions", base);
    lastBase = base;
  }
  return lastUrl;
}

export function completionRequest(config: OpenClawConfig, userKey: string, message: string, stream = false) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "x-openclaw-agent-id": config.OPENCLAW_AGENT_ID,
  };
  if (config.OPENCLAW_TOKEN) headers.authorization = `Bearer ${config.OPENCLAW_TOKEN}`;
  const body: Record<string, unknown> = {
    model: `openclaw:${config.OPENCLAW_AGENT_ID}`,
    messages: [{ role: "user", content: defuse(message) }],
    user: userKey,
  };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return {
    url: completionsUrl(config.OPENCLAW_BASE_URL),
    headers,
    body: JSON.stringify(body),
  };
}

export const upstreamTimeout = (timeoutMs: number, why = `no answer within ${timeoutMs} ms`) =>
  new ApiError("upstream_timeout", "The assistant did not answer in time; please try again.", {
    operatorNote: `openclaw: ${why}`,
    logLevel: "warn",
  });

export const upstreamError = (note: string) =>
  new ApiError("upstream_error", "The assistant is unavailable right now; please try again.", {
    operatorNote: `openclaw: ${note}`,
  });

interface Failure {
  type: string;
  /** OpenClaw's message, with the user's text cut out, short enough for a log line. */
  detail: string;
}

/** OpenClaw's `{error: {message, type}}`, with the user's text cut out before it is logged. */
function readFailure(text: string, message: string): Failure {
  const parsed = parseWire(OpenClawError, text);
  if (!parsed) return { type: "unparsable", detail: "" };
  const { type, message: detail } = parsed.error;
  const cut = detail.split(message).join("[message]").split(defuse(message)).join("[message]");
  return { type, detail: cut.slice(0, 160) };
}

/**
 * Maps a non-2xx answer (contract §5) to our error, with an operator line that names the
 * likely cause. OpenClaw passes its model provider's own failures through with the same status
 * codes, so `type` tells our misconfiguration (its `unauthorized`, an unknown agent) from the
 * provider's (`authentication_error`, its 400s).
 */
export function failureFor(status: number, text: string, message: string, timeoutMs: number): ApiError {
  const { type, detail } = readFailure(text, message);
  const why = `${status} ${type}: ${detail}`;
  if (status === 408 || status === 504) return upstreamTimeout(timeoutMs, `its model provider timed out (${why})`);
  if ((status === 401 || status === 403) && type === "unauthorized") {
    return upstreamError(`${why} — the gateway refused OPENCLAW_TOKEN; check the token`);
  }
  if (status === 401 || status === 403) {
    return upstreamError(`${why} — OpenClaw's model provider refused its credentials; check the provider's apiKey`);
  }
  if (status === 400 && /unknown agent/i.test(detail)) {
    return upstreamError(`${why} — check OPENCLAW_AGENT_ID`);
  }
  if (status === 404) {
    return upstreamError(`${why} — is the chat-completions endpoint enabled (gateway.http.endpoints.chatCompletions)?`);
  }
  if (status === 400) return upstreamError(`${why} — OpenClaw or its model provider rejected the request`);
  return upstreamError(`HTTP ${why}`);
}

/** One chat turn, whole. */
export async function complete(config: OpenClawConfig, userKey: string, message: string): Promise<Answer> {
  const req = completionRequest(config, userKey, message);
  let res: HttpResult;
  try {
    res = await fetchText(req.url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      timeoutMs: config.OPENCLAW_TIMEOUT_MS,
    });
  } catch (e) {
    if (e instanceof UpstreamTimeout) throw upstreamTimeout(config.OPENCLAW_TIMEOUT_MS);
    throw upstreamError(`unreachable (${(e as Error).message})`);
  }
  if (res.status < 200 || res.status >= 300) {
    throw failureFor(res.status, res.text, message, config.OPENCLAW_TIMEOUT_MS);
  }
  const parsed = parseWire(Completion, res.text);
  const text = parsed?.choices[0]?.message.content;
  if (!parsed || text === undefined) throw upstreamError("unparsable answer, or none in choices[0].message.content");
  return { text, tokens: parsed.usage?.total_tokens ?? 0 };
}
