/**
 * The one module that loads Tencent Cloud's SSM SDK. scripts/build.ts bundles it apart, into
 * dist/<name>/ssm.js beside the function's bundle, and `resolveSecrets` imports it only when a
 * secret is configured to come from SSM: the SDK (~0.5 MB) costs nothing to functions that
 * don't use it, nor to cold starts of functions that do but have it unconfigured.
 */
import { ssm } from "tencentcloud-sdk-nodejs-ssm";

export interface SecretRequest {
  secretName: string;
  versionId: string;
  region: string;
  /** An http(s) origin replacing the SDK's default ssm.tencentcloudapi.com. */
  endpoint?: string | undefined;
  /** The function role's temporary credentials (SCF puts them in its environment). */
  credential: { secretId: string; secretKey: string; token?: string | undefined };
  timeoutS: number;
}

/** A failure described for the operator: SSM's error code, or what went wrong on the way. */
export class SsmFailure extends Error {
  override name = "SsmFailure";
}

interface SdkError {
  code?: string;
  httpCode?: number;
  requestId?: string;
  message?: string;
}

function describe(e: unknown): string {
  const err = (e ?? {}) as SdkError;
  const request = err.requestId ? ` (RequestId ${err.requestId})` : "";
  if (err.code) return `${err.code}: ${String(err.message ?? "").slice(0, 200)}${request}`;
  if (err.httpCode) return `HTTP ${err.httpCode}${request}`;
  return String(err.message ?? e).slice(0, 200);
}

/** The text of one secret version; fails with SsmFailure. */
export async function getSecretValue(req: SecretRequest): Promise<string> {
  const origin = req.endpoint ? new URL(req.endpoint) : undefined;
  const client = new ssm.v20190923.Client({
    credential: req.credential,
    region: req.region,
    profile: {
      httpProfile: {
        reqTimeout: req.timeoutS,
        ...(origin ? { endpoint: origin.host, protocol: `${origin.protocol}//` } : {}),
      },
    },
  });
  let answer: { SecretString?: string; SecretBinary?: string };
  try {
    answer = await client.GetSecretValue({ SecretName: req.secretName, VersionId: req.versionId });
  } catch (e) {
    throw new SsmFailure(describe(e));
  }
  if (typeof answer.SecretString === "string" && answer.SecretString !== "") return answer.SecretString;
  throw new SsmFailure(
    answer.SecretBinary ? "the secret holds binary data; store the value as text" : "the secret is empty",
  );
}
