/**
 * A local Tencent Cloud Secrets Manager (SSM) for tests and development, answering
 * `GetSecretValue` (API 3.0, version 2019-09-23) in the real wire format: HTTP 200 with
 * `{"Response": {SecretName, VersionId, SecretString, RequestId}}`, or
 * `{"Response": {"Error": {Code, Message}, RequestId}}`.
 *
 * It accepts only properly signed requests (./tc3.ts: TC3-HMAC-SHA256 recomputed from the request
 * received, credential scope, timestamp, X-TC-* headers, session token), answering the error
 * codes Tencent Cloud uses.
 * It is a development tool: no deployed function points at it.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import * as z from "zod";
import { type Running, readBody, serveOn, sleep } from "./http.js";
import { checkApiRequest, Refusal } from "./tc3.js";

const GetSecretValueParams = z.object({ SecretName: z.string(), VersionId: z.string() });

export const SSM_ACTION = "GetSecretValue";
export const SSM_VERSION = "2019-09-23";

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

function checkRequest(req: http.IncomingMessage, body: string, options: SsmOptions): SsmCall {
  const call = checkApiRequest(req, body, options, SSM_VERSION);
  if (call.action !== SSM_ACTION) throw new Refusal("InvalidAction", `action ${call.action} is not served here`);
  if (call.region !== options.region) throw new Refusal("UnsupportedRegion", `no secrets in ${call.region}`);
  const params = GetSecretValueParams.safeParse(call.params);
  if (!params.success) throw new Refusal("MissingParameter", "SecretName and VersionId are required");
  const { SecretName, VersionId } = params.data;
  return { secretName: SecretName, versionId: VersionId, region: call.region, withToken: call.withToken };
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
