import { describe, expect, it } from "vitest";
import { ApiError } from "../../../shared/errors.js";
import { decodeRequest, MAX_BODY_BYTES, parseJsonBody, readRequestLine } from "../../../shared/http/event.js";
import { urlEvent } from "../../support/events.js";

const decode = (event: unknown, requestId?: string) => decodeRequest(readRequestLine(event, requestId));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : "not an ApiError";
  }
  return undefined;
}

describe("function URL event adapter", () => {
  it("reads verb, path, headers in any case, body and query string of the function URL event", () => {
    const event = {
      ...urlEvent({ method: "post", path: "/api/chat", body: { message: "hi" }, query: { deep: "1" } }),
      headers: { "X-WX-Session": "abc", "Content-Type": "application/json" },
    };
    const req = decode(event, "r-1");
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/api/chat");
    expect(req.headers["x-wx-session"]).toBe("abc");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.body).toBe('{"message":"hi"}');
    expect(req.query).toEqual({ deep: "1" });
  });

  it("takes the request id it is given (context.request_id or x-scf-request-id), never one from the event", () => {
    const event = {
      ...urlEvent({ path: "/api/health", headers: { "x-api-requestid": "from-header" } }),
      requestContext: { requestId: "from-context" },
    };
    expect(decode(event, "scf-1").requestId).toBe("scf-1");
    // Without one (never on SCF), a local id, so the log lines of one request still group.
    expect(decode(event).requestId).toMatch(/^local-[0-9a-f-]{36}$/);
  });

  it("tolerates API Gateway's extra fields without trusting requestContext.sourceIp", () => {
    const event = {
      ...urlEvent({ method: "POST", path: "/api/auth/wx-login", body: { code: "c" }, remoteAddr: "198.51.100.3" }),
      headerParameters: {},
      pathParameters: { id: "ignored" },
      queryStringParameters: { a: "b" },
      requestContext: { sourceIp: "192.0.2.66", requestId: "x", identity: {} },
      isBase64Encoded: false,
    };
    const req = decode(event, "r");
    expect(req.client.bucket).toBe("198.51.100.3");
    expect(req.params).toEqual({});
    expect(req.body).toBe('{"code":"c"}');
    const noAddr = { ...event, headers: { "x-forwarded-for": "192.0.2.1" } };
    expect(decode(noAddr, "r").client).toEqual({ bucket: "unknown", note: "missing" });
  });

  it("decodes base64 bodies and treats absent or empty bodies as empty", () => {
    expect(decode(urlEvent({ method: "POST", path: "/x", body: { a: "é" }, base64: true })).body).toBe('{"a":"é"}');
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
