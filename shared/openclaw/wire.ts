/**
 * What OpenClaw's OpenAI-compatible endpoint sends back (CONTRACT §5), as schemas: the JSON
 * completion, a streamed chunk, and its error body. Fields we do not use are let through and
 * ignored; a field we use with the wrong type is a broken answer, never a guess.
 */
import * as z from "zod/mini";

const tokenCount = z.number().check(z.gte(0));

/** `usage.total_tokens`, when OpenClaw reports a usable one. */
const Usage = z.object({ total_tokens: z.optional(z.catch(z.optional(tokenCount), undefined)) });

export const Completion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).check(z.minLength(1)),
  usage: z.optional(z.nullable(Usage)),
});

export const OpenClawError = z.object({
  error: z.object({
    message: z.catch(z.string(), ""),
    type: z.catch(z.string(), "unknown"),
  }),
});

export const CompletionChunk = z.object({
  choices: z.optional(
    z.array(z.object({ delta: z.optional(z.object({ content: z.optional(z.nullable(z.string())) })) })),
  ),
  usage: z.optional(z.nullable(Usage)),
  error: z.optional(z.object({ message: z.catch(z.string(), ""), type: z.catch(z.string(), "unknown") })),
});
export type CompletionChunk = z.infer<typeof CompletionChunk>;
