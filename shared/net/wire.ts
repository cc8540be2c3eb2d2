/** An upstream's answer, checked: JSON first, then the schema of what we expect from it. */
import * as z from "zod/mini";

/** Parses `text` as JSON against `schema`; undefined for anything else (the caller says why it failed). */
export function parseWire<S extends z.ZodMiniType>(schema: S, text: string): z.infer<S> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = z.safeParse(schema, value);
  return parsed.success ? parsed.data : undefined;
}
