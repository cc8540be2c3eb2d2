/**
 * Generated API Gateway events for fuzzing: mostly well-shaped events aimed at one function's
 * route (so that they get past routing into sessions, bodies, Redis and OpenClaw), mixed with
 * every way an event can be wrong: other methods and paths, odd header sets and session values,
 * base64 and broken bodies, deep and huge JSON, `__proto__` keys, non-object events.
 */
import fc from "fast-check";
import { type RouteDef, routes } from "../../../shared/routes.js";
import { JsonObject, parseAs } from "../../support/json.js";

/** Message and login-code texts carry these markers, so that a leak is findable in the logs. */
export const MESSAGE_MARKER = "s3cr3t-msg-";
export const CODE_MARKER = "s3cr3t-code-";

export interface FuzzContext {
  /** A valid session token (its user has a conversation). */
  token: string;
  conversationId: string;
}

const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
const id22 = fc.string({ unit: fc.constantFrom(..."ABCDEFabcdef0123456789_-"), minLength: 22, maxLength: 22 });

function concretePath(template: string, id: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return template.includes("{id}")
    ? id.map((x) => template.replace("{id}", encodeURIComponent(x)))
    : fc.constant(template);
}

export function eventArbitrary(own: RouteDef, ctx: FuzzContext): fc.Arbitrary<unknown> {
  const all = Object.values(routes as Record<string, RouteDef>);
  const idArb = fc.oneof(fc.constant(ctx.conversationId), id22, fc.string(), fc.constant("../../etc"));
  const realPath = fc.oneof(...all.map((r) => concretePath(r.path, idArb)));
  const ownPath = concretePath(own.path, idArb);
  const path = fc.oneof(
    { weight: 6, arbitrary: ownPath },
    { weight: 2, arbitrary: realPath },
    {
      weight: 2,
      arbitrary: fc.oneof(
        ownPath.map((p) => `${p}/`),
        ownPath.map((p) => p.toUpperCase()),
        ownPath.map((p) => `/${p}`),
        ownPath.map((p) => `${p}?x=1`),
        ownPath.map((p) => `${p}%00`),
        fc.webPath(),
        fc.string(),
        fc.constant(""),
      ),
    },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())) },
  );
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constant(own.method) },
    {
      weight: 3,
      arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "get", "post", "ANY"),
    },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)) },
  );
  const session = fc.oneof(
    { weight: 5, arbitrary: fc.constant(ctx.token) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        hex,
        fc.constant(ctx.token.toUpperCase()),
        fc.constant(` ${ctx.token}`),
        fc.constant(ctx.token.slice(1)),
        fc.string(),
      ),
    },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object()) },
  );
  const sessionName = fc.constantFrom("x-wx-session", "X-WX-Session", "X-Wx-Session");
  const headers = fc.oneof(
    {
      weight: 7,
      arbitrary: fc
        .tuple(
          fc.option(fc.tuple(sessionName, session), { freq: 4 }),
          fc.option(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "")),
          fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 4 }),
        )
        .map(([s, type, extra]) => {
          const h: Record<string, unknown> = { ...extra, "x-api-requestid": "apigw-fuzz" };
          if (type !== null) h["content-type"] = type;
          if (s) h[s[0]] = s[1];
          return h;
        }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.string(),
        fc.array(fc.string()),
        fc.constant(parseAs(JsonObject, `{"__proto__": {"x-wx-session": "${ctx.token}"}}`)),
        fc.object(),
      ),
    },
  );
  const secretMessage = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${MESSAGE_MARKER}${s}`);
  const secretCode = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${CODE_MARKER}${s}`);
  const shaped = fc.record(
    {
      message: fc.oneof(
        { weight: 6, arbitrary: secretMessage },
        {
          weight: 2,
          arbitrary: fc.oneof(
            fc.constant(""),
            fc.constant("   "),
            fc.constant(`${MESSAGE_MARKER}${"x".repeat(2001)}`),
            fc.constant(`${MESSAGE_MARKER}${"😀".repeat(2000)}`),
          ),
        },
        { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.object(), fc.array(fc.string())) },
      ),
      conversation_id: fc.oneof(fc.constant(null), fc.constant(ctx.conversationId), id22, fc.string(), fc.integer()),
      client_msg_id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
      code: fc.oneof(
        { weight: 5, arbitrary: secretCode },
        { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer()) },
      ),
    },
    { requiredKeys: [] },
  );
  const deep = fc
    .integer({ min: 1_000, max: 30_000 })
    .chain((n) => fc.constantFrom("[".repeat(n) + "]".repeat(n), `${'{"a":'.repeat(n)}1${"}".repeat(n)}`));
  const bodyText = fc.oneof(
    { weight: 6, arbitrary: shaped.map((b) => JSON.stringify(b)) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
        fc.constant("{"),
        fc.constant("null"),
        fc.constant(`{"__proto__": {"message": "${MESSAGE_MARKER}p"}, "code": {"__proto__": null}}`),
        fc.constant(`{"constructor": {"prototype": {"polluted": true}}, "message": "${MESSAGE_MARKER}c"}`),
        secretMessage.map((m) => `{"__proto__": {"admin": true}, "message": "${m.replace(/["\\]/g, "")}"}`),
        deep,
        fc
          .integer({ min: 60_000, max: 70_000 })
          .map((n) => JSON.stringify({ message: `${MESSAGE_MARKER}${"y".repeat(n)}`, code: `${CODE_MARKER}big` })),
      ),
    },
  );
  const body = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.option(bodyText, { freq: 8 }).map((b) => ({ body: b ?? undefined, isBase64Encoded: false })),
    },
    {
      weight: 2,
      arbitrary: bodyText.map((b) => ({ body: Buffer.from(b).toString("base64"), isBase64Encoded: true })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        body: fc.oneof(fc.string(), fc.constant("!!!not base64***"), fc.integer(), fc.object(), fc.constant(null)),
        isBase64Encoded: fc.oneof(fc.boolean(), fc.constant("true"), fc.integer(), fc.constant(null)),
      }),
    },
  );
  const requestContext = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          requestId: fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), fc.integer()),
          sourceIp: fc.oneof(fc.ipV4(), fc.string(), fc.constant(null)),
          httpMethod: fc.constant("ANY"),
          path: fc.string(),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.string(), fc.array(fc.integer())) },
  );
  const urlEvent = fc
    .tuple(
      method,
      path,
      headers,
      body,
      requestContext,
      fc.dictionary(fc.constantFrom("queryString", "pathParameters", "__proto__", "constructor"), fc.anything(), {
        maxKeys: 2,
      }),
    )
    .map(([httpMethod, p, h, b, rc, extra]) => {
      const event: Record<string, unknown> = { ...extra, httpMethod, path: p, headers: h, requestContext: rc, ...b };
      return event;
    });
  // Events the route accepts, bar the details: they reach Redis, WeChat and OpenClaw.
  const validBody = fc.record(
    {
      message: secretMessage,
      conversation_id: fc.constantFrom(null, ctx.conversationId),
      code: secretCode,
    },
    { requiredKeys: ["message", "code"] },
  );
  const valid = fc
    .tuple(
      concretePath(own.path, fc.constantFrom(ctx.conversationId, "AAAAAAAAAAAAAAAAAAAAAA")),
      validBody,
      fc.boolean(),
      fc.uuid(),
    )
    .map(([p, b, base64, requestId]) => {
      const text = JSON.stringify(b);
      return {
        httpMethod: own.method,
        path: p,
        headers: { "content-type": "application/json", "x-wx-session": ctx.token, "x-scf-remote-addr": "203.0.113.9" },
        body: own.body ? (base64 ? Buffer.from(text).toString("base64") : text) : undefined,
        isBase64Encoded: Boolean(own.body) && base64,
        requestContext: { requestId, sourceIp: "203.0.113.9", httpMethod: "ANY", path: own.path },
      };
    });
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 12, arbitrary: urlEvent },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.constant(undefined),
        fc.integer(),
        fc.string(),
        fc.array(fc.anything(), { maxLength: 3 }),
        fc.anything(),
        fc.constant(parseAs(JsonObject, '{"__proto__": {"httpMethod": "POST", "path": "/api/chat"}}')),
      ),
    },
  );
}
