/**
 * A request body against its route's schema: JSON first (400 when it is not a JSON object), then
 * the schema, whose messages name what is expected. A message may name a configuration value as
 * `{NAME}` (shared/schemas.ts FIELD_RULES); it is filled in from this function's configuration.
 */
import type * as z from "zod/mini";
import { safeParse } from "zod/mini";
import { ApiError } from "../errors.js";
import { parseJsonBody } from "./event.js";

/** Fills `{NAME}` with the configured value of NAME, leaving unknown names as they are. */
export function fillSettings(sentence: string, config: Readonly<Record<string, unknown>>): string {
  return sentence.replace(/\{([A-Z][A-Z0-9_]*)\}/g, (whole, name: string) => {
    const value = config[name];
    return typeof value === "number" || typeof value === "string" ? String(value) : whole;
  });
}

export function parseBody<S extends z.ZodMiniType>(
  schema: S,
  text: string,
  config: Readonly<Record<string, unknown>>,
): z.infer<S> {
  const parsed = safeParse(schema, parseJsonBody(text));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") ?? "";
  const said = issue?.message ?? "invalid body";
  // Our rules start with their field's name; anything else gets it in front, once.
  const sentence = field && !said.startsWith(field) ? `${field}: ${said}` : said;
  throw new ApiError("invalid_request", fillSettings(sentence, config));
}
