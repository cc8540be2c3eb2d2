/**
 * The SCF API (version 2018-04-16) through Tencent Cloud's official SDK module. The endpoint is
 * an origin (`SCF_API_ENDPOINT`): the SDK takes its scheme as `httpProfile.protocol` and its host
 * as `httpProfile.endpoint`, and derives the signing service from the host's first label.
 */
import { scf } from "tencentcloud-sdk-nodejs-scf";

export type ScfClient = InstanceType<typeof scf.v20180416.Client>;
/** The request type of an SCF action, as the SDK declares it. */
export type Req<K extends keyof ScfClient> = ScfClient[K] extends (req: infer R, ...rest: never[]) => unknown
  ? R
  : never;

export interface Credentials {
  secretId: string;
  secretKey: string;
  token?: string | undefined;
}

export function scfClient(endpoint: URL, region: string, credential: Credentials): ScfClient {
  return new scf.v20180416.Client({
    credential: { secretId: credential.secretId, secretKey: credential.secretKey, token: credential.token },
    region,
    profile: {
      httpProfile: { endpoint: endpoint.host, protocol: `${endpoint.protocol}//`, reqTimeout: 60 },
    },
  });
}

interface SdkError {
  code?: string;
  httpCode?: number;
  requestId?: string;
  message?: string;
}

const sdkError = (e: unknown): SdkError => (typeof e === "object" && e !== null ? e : { message: String(e) });

/** Whether the API answered that the thing asked for does not exist. */
export const isNotFound = (e: unknown): boolean => (sdkError(e).code ?? "").startsWith("ResourceNotFound");

/** A failed call described for the operator: action, error code, message, request id. */
export class ApiFailure extends Error {
  override name = "ApiFailure";
}

export function describeFailure(action: string, e: unknown): ApiFailure {
  const err = sdkError(e);
  const request = err.requestId ? ` (RequestId ${err.requestId})` : "";
  if (err.code) return new ApiFailure(`${action}: ${err.code}: ${String(err.message ?? "").slice(0, 300)}${request}`);
  if (err.httpCode) return new ApiFailure(`${action}: HTTP ${err.httpCode}${request}`);
  return new ApiFailure(`${action}: ${String(err.message ?? e).slice(0, 300)}`);
}
