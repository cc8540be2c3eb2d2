/**
 * The bare minimum a chat turn costs, written without any of our code: one Redis read (the
 * session), one POST to OpenClaw over a kept-alive socket, one Redis write (the turn), plus the
 * JSON in and out that any implementation does. The chat bundle is measured against it.
 */
import { createHash } from "node:crypto";
import http from "node:http";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The first choice's text, checked by hand: the baseline pays for no schema library. */
function replyOf(answer: unknown): string | undefined {
  const choice = isRecord(answer) && Array.isArray(answer.choices) ? answer.choices[0] : undefined;
  const message = isRecord(choice) ? choice.message : undefined;
  return isRecord(message) && typeof message.content === "string" ? message.content : undefined;
}

import { Redis } from "ioredis";

export interface BaselineOptions {
  redisUrl: string;
  prefix: string;
  openclawUrl: string;
  openclawToken: string;
}

interface Event {
  headers: Record<string, string>;
  body: string;
}

export function bareChat(options: BaselineOptions) {
  const redis = new Redis(options.redisUrl, { enableReadyCheck: false });
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL("/v1/chat/completions", options.openclawUrl);
  let upstreamMs = 0;

  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-openclaw-agent-id": "main",
            authorization: `Bearer ${options.openclawToken}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  async function handle(event: Event) {
    const token = event.headers["x-wx-session"] ?? "";
    const request: unknown = JSON.parse(event.body);
    const message = isRecord(request) && typeof request.message === "string" ? request.message : "";
    const hash = createHash("sha256").update(token).digest("hex");
    // The session sits under the user's tag, which the token carries (shared/redis/keys.ts).
    const openid = await redis.hget(`${options.prefix}{${token.slice(0, 16)}}:session:${hash}`, "openid");
    if (!openid) return { statusCode: 401, headers: {}, body: "{}" };
    const t0 = performance.now();
    const text = await post(
      JSON.stringify({ model: "openclaw:main", messages: [{ role: "user", content: message }], user: "wxc-bench" }),
    );
    upstreamMs = performance.now() - t0;
    const reply = replyOf(JSON.parse(text));
    await redis.set(`${options.prefix}bench:baseline`, String(Date.now()), "PX", 60_000);
    return {
      statusCode: 200,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ reply, conversation_id: "x", tokens_used: 0 }),
    };
  }

  return {
    handle,
    /** How long the last upstream POST took, so that OpenClaw's share can be shown apart. */
    lastUpstreamMs: () => upstreamMs,
    close: () => {
      redis.disconnect();
      agent.destroy();
    },
  };
}
