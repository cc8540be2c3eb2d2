/** SCF function URL events shaped as Tencent sends them (CONTRACT §3, SCF document 583/96099). */
import { randomUUID } from "node:crypto";
import type * as z from "zod/mini";
import { JsonObject, parseAs } from "./json.js";

export interface EventInput {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Sends the body base64-encoded with `isBase64Encoded: true`, a field function URLs do not send. */
  base64?: boolean;
  /** The platform's `x-scf-remote-addr`; null leaves the header out. */
  remoteAddr?: string | null;
}

export function urlEvent(input: EventInput) {
  const method = input.method ?? "GET";
  const text =
    input.body === undefined ? undefined : typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  const remote = input.remoteAddr === undefined ? "203.0.113.7" : input.remoteAddr;
  return {
    httpMethod: method,
    path: input.path,
    headers: {
      "content-type": "application/json",
      host: "1250000000-abcd1234.ap-guangzhou.tencentscf.com",
      ...(remote === null ? {} : { "x-scf-remote-addr": remote }),
      ...input.headers,
    },
    body: text === undefined ? undefined : input.base64 ? Buffer.from(text).toString("base64") : text,
    queryString: input.query ?? {},
    ...(input.base64 ? { isBase64Encoded: true } : {}),
  };
}

export const scfContext = () => ({ request_id: randomUUID(), callbackWaitsForEmptyEventLoop: true });

/** The parsed JSON body of a function's response: any object (assertions pin down its fields). */
export function bodyOf(res: { body: string }): Record<string, unknown> {
  return parseAs(JsonObject, res.body);
}

/** The JSON body of a function's response, checked against one of the API's schemas. */
export function bodyAs<S extends z.ZodMiniType>(res: { body: string }, schema: S): z.output<S> {
  return parseAs(schema, res.body);
}
