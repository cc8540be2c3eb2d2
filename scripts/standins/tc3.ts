/**
 * Tencent Cloud API 3.0 request checks shared by the local stand-ins (SSM, SCF): the
 * TC3-HMAC-SHA256 signature recomputed from the request as received, the credential scope, the
 * timestamp, the session token and the X-TC-* headers, with the error codes Tencent Cloud
 * answers. A stand-in keeps the keys it was given and never echoes them.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type http from "node:http";

/** Requests signed further from the server's clock than this are refused (AuthFailure.SignatureExpire). */
const MAX_SKEW_S = 300;

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export interface Tc3Keys {
  secretId: string;
  secretKey: string;
  /** The session token requests must carry (temporary credentials); none for permanent keys. */
  token?: string | undefined;
}

/** A refused request: the error code Tencent Cloud uses and what was wrong. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

const sha256hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/**
 * Checks TC3-HMAC-SHA256 as Tencent Cloud documents it for API 3.0: the canonical request is
 * method, URI, query, the signed headers (lower-case name:trimmed value), their names, and the
 * payload's SHA-256; the service is the first label of the host; the key is derived from the
 * secret key through the date, the service and "tc3_request".
 */
export function verifySignature(req: http.IncomingMessage, body: string, keys: Tc3Keys): void {
  const auth = header(req, "authorization") ?? "";
  const m = AUTHORIZATION.exec(auth);
  if (!m) throw new Refusal("AuthFailure.InvalidAuthorization", "Authorization header is not TC3-HMAC-SHA256");
  const [, secretId, date, service, signedHeaders, signature] = m as unknown as string[];
  if (secretId !== keys.secretId) throw new Refusal("AuthFailure.SecretIdNotFound", "unknown SecretId");

  const timestamp = Number(header(req, "x-tc-timestamp"));
  if (!Number.isInteger(timestamp)) throw new Refusal("MissingParameter", "X-TC-Timestamp missing");
  if (Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) {
    throw new Refusal("AuthFailure.SignatureExpire", "request signed too long ago");
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) {
    throw new Refusal("AuthFailure.SignatureFailure", "credential date is not the timestamp's UTC date");
  }
  const host = header(req, "host") ?? "";
  const hostname = host.replace(/:\d+$/, "");
  if (service !== hostname.split(".")[0]) {
    throw new Refusal("AuthFailure.SignatureFailure", "credential scope names another service");
  }
  const names = (signedHeaders as string).split(";");
  if (!names.includes("content-type") || !names.includes("host")) {
    throw new Refusal("AuthFailure.SignatureFailure", "content-type and host must be signed");
  }
  // The SDKs sign the host without a port, which real endpoints never have.
  const canonicalHeaders = names
    .map((n) => `${n}:${(n === "host" ? hostname : (header(req, n) ?? "")).trim().toLowerCase()}\n`)
    .join("");
  const url = new URL(req.url ?? "/", "http://stand-in");
  const canonicalRequest = [
    req.method,
    url.pathname,
    url.search.slice(1),
    canonicalHeaders,
    signedHeaders,
    sha256hex(body),
  ].join("\n");
  const stringToSign = [
    "TC3-HMAC-SHA256",
    String(timestamp),
    `${date}/${service}/tc3_request`,
    sha256hex(canonicalRequest),
  ].join("\n");
  const key = hmac(hmac(hmac(`TC3${keys.secretKey}`, date as string), service as string), "tc3_request");
  const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest();
  const given = Buffer.from(signature as string, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Refusal("AuthFailure.SignatureFailure", "signature does not match");
  }
}

export interface ApiCall {
  action: string;
  region: string;
  /** Whether an X-TC-Token header came with it. */
  withToken: boolean;
  params: unknown;
}

/**
 * Everything API 3.0 checks before the action itself: POST with JSON, a valid signature, the
 * session token, the version and a region. Returns the action and its parsed parameters.
 */
export function checkApiRequest(req: http.IncomingMessage, body: string, keys: Tc3Keys, version: string): ApiCall {
  if (req.method !== "POST") throw new Refusal("UnsupportedOperation", "POST only");
  if (!(header(req, "content-type") ?? "").startsWith("application/json")) {
    throw new Refusal("InvalidParameter", "Content-Type must be application/json");
  }
  verifySignature(req, body, keys);
  const token = header(req, "x-tc-token");
  if ((keys.token ?? undefined) !== token) {
    throw new Refusal("AuthFailure.TokenFailure", keys.token ? "session token missing or wrong" : "unexpected token");
  }
  const action = header(req, "x-tc-action");
  if (!action) throw new Refusal("MissingParameter", "X-TC-Action missing");
  if (header(req, "x-tc-version") !== version) throw new Refusal("NoSuchVersion", `X-TC-Version must be ${version}`);
  const region = header(req, "x-tc-region");
  if (!region) throw new Refusal("MissingParameter", "X-TC-Region missing");
  let params: unknown;
  try {
    params = JSON.parse(body);
  } catch {
    throw new Refusal("InvalidParameter", "body is not JSON");
  }
  return { action, region, withToken: token !== undefined, params };
}
