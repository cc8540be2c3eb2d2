import { describe, expect, it } from "vitest";
import { ApiError } from "../../../shared/errors.js";
import { decodeRequest, MAX_BODY_BYTES, parseJsonBody, readRequestLine } from "../../../shared/http/event.js";
import { apiEvent } from "../../support/events.js";

const decode = (event: unknown, ctx?: { request_id?: string }) => decodeRequest(readRequestLine(event, ctx));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : "not an ApiError";
  }
  return undefined;
}

describe("API Gateway event adapter", () => {
  it("lower-cases header names and keeps the top-level verb and path", () => {
    const event = { ...apiEvent({ method: "post", path: "/api/chat" }), headers: { "X-WX-Session": "abc" } };
    const req = decode(event);
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/api/chat");
    expect(req.headers["x-wx-session"]).toBe("abc");
  });

  it("takes the request id from requestContext, then x-api-requestid, then the invocation", () => {
    const event = apiEvent({ path: "/api/health" });
    expect(decode(event).requestId).toBe(event.requestContext.requestId);
    const noContext = { ...event, requestContext: {} };
    expect(decode(noContext).requestId).toBe(event.headers["x-api-requestid"]);
    const bare = { httpMethod: "GET", path: "/api/health" };
    expect(decode(bare, { request_id: "scf-1" }).requestId).toBe("scf-1");
  });

  it("decodes base64 bodies and treats absent or empty bodies as empty", () => {
    expect(decode(apiEvent({ method: "POST", path: "/x", body: { a: "é" }, base64: true })).body).toBe('{"a":"é"}');
    expect(decode({ httpMethod: "POST", path: "/x" }).body).toBe("");
    expect(decode({ httpMethod: "POST", path: "/x", body: "" }).body).toBe("");
    expect(decode({ httpMethod: "POST", path: "/x", body: null }).body).toBe("");
  });

  it("accepts exactly 64 KiB and refuses one byte more, after base64 decoding", () => {
    const exact = "a".repeat(MAX_BODY_BYTES);
    expect(decode({ httpMethod: "POST", path: "/x", body: exact }).body.length).toBe(MAX_BODY_BYTES);
    expect(codeOf(() => decode({ httpMethod: "POST", path: "/x", body: `${exact}a` }))).toBe("payload_too_large");
    const b64 = Buffer.from(`${exact}a`).toString("base64");
    expect(codeOf(() => decode({ httpMethod: "POST", path: "/x", body: b64, isBase64Encoded: true }))).toBe(
      "payload_too_large",
    );
    // Multi-byte text: 30,000 three-byte characters are 90,000 bytes.
    expect(codeOf(() => decode({ httpMethod: "POST", path: "/x", body: "中".repeat(30_000) }))).toBe(
      "payload_too_large",
    );
  });

  it("survives events that are not objects or have fields of the wrong type", () => {
    for (const event of [null, undefined, 42, "x", [], { httpMethod: 5, path: {}, headers: [1], body: 7 }]) {
      const req = decode(event);
      expect(req.body).toBe("");
      expect(typeof req.method).toBe("string");
    }
  });

  it("refuses bodies that are not a JSON object with a 400", () => {
    for (const body of ["", "  ", "{", "[]", "null", '"text"', "12"]) {
      expect(codeOf(() => parseJsonBody(body))).toBe("invalid_request");
    }
    expect(parseJsonBody('{"__proto__":{"x":1},"a":1}').a).toBe(1);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
