/**
 * A local Tencent Cloud Secrets Manager (SSM) for tests and development, answering
 * `GetSecretValue` (API 3.0, version 2019-09-23) in the real wire format: HTTP 200 with
 * `{"Response": {SecretName, VersionId, SecretString, RequestId}}`, or
 * `{"Response": {"Error": {Code, Message}, RequestId}}`.
 *
 * It accepts only properly signed requests: it recomputes the TC3-HMAC-SHA256 signature from
 * the request it received with the secret key it knows (canonical request → string to sign →
 * derived key), and checks the credential scope, the timestamp, the X-TC-* headers and, for
 * temporary credentials, the session token, answering the error codes Tencent Cloud uses.
 * It is a development tool: no deployed function points at it.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { type Running, readBody, serveOn, sleep } from "./http.js";

export const SSM_ACTION = "GetSecretValue";
export const SSM_VERSION = "2019-09-23";
/** Requests signed further from the server's clock than this are refused (AuthFailure.SignatureExpire). */
const MAX_SKEW_S = 300;

export type SsmAnswer = { error: { code: string; message?: string } } | { status: number } | { hang: true };

/** One accepted (properly signed) request; the stand-in keeps no credential and no value. */
export interface SsmCall {
  secretName: string;
  versionId: string;
  region: string;
  /** Whether an X-TC-Token header came with it. */
  withToken: boolean;
}

export interface SsmStandin extends Running {
  /** Properly signed GetSecretValue requests, in order. */
  readonly calls: SsmCall[];
  /** Why each refused request was refused (error code and what was wrong), in order. */
  readonly refused: string[];
  /** Secrets by name; each holds one version, `versionId` of the options. */
  readonly secrets: Map<string, string>;
  /** Answers the next signed requests with these, in order, before normal behaviour resumes. */
  queue(...answers: SsmAnswer[]): void;
  delayMs: number;
}

export interface SsmOptions {
  secretId: string;
  secretKey: string;
  /** The session token requests must carry (temporary credentials); none for permanent keys. */
  token?: string;
  region: string;
  secrets?: Record<string, string>;
  /** The one version each secret has. */
  versionId?: string;
  port?: number;
}

const sha256hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

/**
 * Checks TC3-HMAC-SHA256 as Tencent Cloud documents it for API 3.0: the canonical request is
 * method, URI, query, the signed headers (lower-case name:trimmed value), their names, and the
 * payload's SHA-256; the service is the first label of the host; the key is derived from the
 * secret key through the date, the service and "tc3_request".
 */
function verifySignature(req: http.IncomingMessage, body: string, options: SsmOptions): void {
  const auth = header(req, "authorization") ?? "";
  const m = AUTHORIZATION.exec(auth);
  if (!m) throw new Refusal("AuthFailure.InvalidAuthorization", "Authorization header is not TC3-HMAC-SHA256");
  const [, secretId, date, service, signedHeaders, signature] = m as unknown as string[];
  if (secretId !== options.secretId) throw new Refusal("AuthFailure.SecretIdNotFound", "unknown SecretId");

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
  const key = hmac(hmac(hmac(`TC3${options.secretKey}`, date as string), service as string), "tc3_request");
  const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest();
  const given = Buffer.from(signature as string, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Refusal("AuthFailure.SignatureFailure", "signature does not match");
  }
}

function checkRequest(req: http.IncomingMessage, body: string, options: SsmOptions): SsmCall {
  if (req.method !== "POST") throw new Refusal("UnsupportedOperation", "POST only");
  if (!(header(req, "content-type") ?? "").startsWith("application/json")) {
    throw new Refusal("InvalidParameter", "Content-Type must be application/json");
  }
  verifySignature(req, body, options);
  const token = header(req, "x-tc-token");
  if ((options.token ?? undefined) !== token) {
    throw new Refusal(
      "AuthFailure.TokenFailure",
      options.token ? "session token missing or wrong" : "unexpected token",
    );
  }
  const action = header(req, "x-tc-action");
  if (action !== SSM_ACTION) throw new Refusal("InvalidAction", `action ${action ?? "(none)"} is not served here`);
  if (header(req, "x-tc-version") !== SSM_VERSION)
    throw new Refusal("NoSuchVersion", "X-TC-Version must be 2019-09-23");
  const region = header(req, "x-tc-region");
  if (!region) throw new Refusal("MissingParameter", "X-TC-Region missing");
  if (region !== options.region) throw new Refusal("UnsupportedRegion", `no secrets in ${region}`);
  let params: { SecretName?: unknown; VersionId?: unknown };
  try {
    params = JSON.parse(body) as typeof params;
  } catch {
    throw new Refusal("InvalidParameter", "body is not JSON");
  }
  if (typeof params.SecretName !== "string" || typeof params.VersionId !== "string") {
    throw new Refusal("MissingParameter", "SecretName and VersionId are required");
  }
  return { secretName: params.SecretName, versionId: params.VersionId, region, withToken: token !== undefined };
}

export async function startSsmStandin(options: SsmOptions): Promise<SsmStandin> {
  const calls: SsmCall[] = [];
  const refused: string[] = [];
  const secrets = new Map(Object.entries(options.secrets ?? {}));
  const versionId = options.versionId ?? "SSM_Current";
  const scripted: SsmAnswer[] = [];
  let delayMs = 0;

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const requestId = randomUUID();
    const send = (status: number, json: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json", "x-tc-requestid": requestId });
      res.end(JSON.stringify(json));
    };
    const fail = (code: string, message: string) =>
      send(200, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });

    let call: SsmCall;
    try {
      call = checkRequest(req, body, options);
    } catch (e) {
      if (!(e instanceof Refusal)) return send(500, { message: "stand-in failed" });
      refused.push(`${e.code}: ${e.message}`);
      return fail(e.code, e.message);
    }
    calls.push(call);
    if (delayMs) await sleep(delayMs);
    const next = scripted.shift();
    if (next) {
      if ("hang" in next) return;
      if ("status" in next) return send(next.status, { message: "scripted" });
      return fail(next.error.code, next.error.message ?? "scripted");
    }
    const value = secrets.get(call.secretName);
    if (value === undefined || call.versionId !== versionId) {
      return fail("ResourceNotFound", `secret ${call.secretName} version ${call.versionId} does not exist`);
    }
    send(200, {
      Response: { SecretName: call.secretName, VersionId: versionId, SecretString: value, RequestId: requestId },
    });
  });

  const running = await serveOn(server, options.port);
  return {
    ...running,
    calls,
    refused,
    secrets,
    queue: (...answers) => {
      scripted.push(...answers);
    },
    get delayMs() {
      return delayMs;
    },
    set delayMs(ms: number) {
      delayMs = ms;
    },
  };
}
