/** JSON read in tests, checked against a schema: a mismatch fails the test and shows what came. */
import * as z from "zod/mini";

/** `text` parsed as JSON and checked against `schema`; throws, naming the text, when it does not fit. */
export function parseAs<S extends z.ZodMiniType>(schema: S, text: string): z.output<S> {
  return checkedAs(schema, JSON.parse(text), text);
}

/** `value` checked against `schema`; `shown` is what a failure quotes (the value's JSON by default). */
export function checkedAs<S extends z.ZodMiniType>(schema: S, value: unknown, shown?: string): z.output<S> {
  const checked = z.safeParse(schema, value);
  if (!checked.success) {
    throw new Error(`${shown ?? JSON.stringify(value)} does not match its schema:\n${z.prettifyError(checked.error)}`);
  }
  return checked.data;
}

/** The JSON body of a fetch Response, checked against `schema`. */
export async function jsonOf<S extends z.ZodMiniType>(res: Response, schema: S): Promise<z.output<S>> {
  return parseAs(schema, await res.text());
}

/** A JSON object with any fields: for assertions that look at the whole body. */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Any JSON object, as a schema (for bodies whose shape the assertions themselves pin down). */
export const JsonObject = z.custom<Record<string, unknown>>(isRecord, { error: "expected a JSON object" });
