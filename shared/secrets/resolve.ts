/**
 * Secrets from Tencent Cloud SSM: when `WX_SECRET_SSM_NAME` or `OPENCLAW_TOKEN_SSM_NAME` is set,
 * the secret is fetched with the function role's credentials, once per instance, and filled into
 * the configuration, so it is never in serverless.yml nor in the function's environment.
 *
 * An instance keeps what it fetched until SCF recycles it; a failed fetch is not kept, so the
 * next invocation tries again.
 */
import { type Config, SECRET_SOURCES, type SecretVariable } from "../config.js";
import { ApiError } from "../errors.js";
// Only the type: the SDK stays out of the function's bundle (scripts/build.ts, ssm.js).
import type { SecretRequest } from "./ssm-client.js";

/** Custom secrets created without a version id get this one; rotate by updating its value. */
export const SECRET_VERSION = "SSM_Current";
/** One SSM call may hold up a cold start this long before the request answers 503. */
const TIMEOUT_S = 3;

const fetched = new Map<string, Promise<string>>();

const unavailable = (note: string) =>
  new ApiError("unavailable", "The service is temporarily unavailable; please try again.", {
    operatorNote: `secrets: ${note}`,
  });

const set = (value: string | undefined): value is string =>
  value !== undefined && value !== "" && value !== "undefined";

/** Fetches once per key; a failure leaves the cache as it was, for the next invocation. */
function once(key: string, load: () => Promise<string>): Promise<string> {
  let pending = fetched.get(key);
  if (!pending) {
    pending = load();
    fetched.set(key, pending);
    pending.catch(() => {
      if (fetched.get(key) === pending) fetched.delete(key);
    });
  }
  return pending;
}

/** SSM's error code and text, or what failed on the way; a failure carries no secret value. */
function reason(e: unknown): string {
  const err = e as { name?: unknown; code?: unknown; message?: unknown };
  if (err?.name === "SsmFailure") return String(err.message);
  if (err?.code === "MODULE_NOT_FOUND") return "ssm.js is missing beside the function's bundle (npm run build)";
  return `${String(err?.name ?? "Error")}: ${String(err?.message ?? e).slice(0, 200)}`;
}

async function fetchSecret(req: SecretRequest): Promise<string> {
  // Built into dist/<name>/ssm.js and required from there, beside the bundle (scripts/build.ts).
  const { getSecretValue } = await import("./ssm-client.js");
  return getSecretValue(req);
}

/** Fills each secret whose SSM name is set in `config` (loaded by loadConfig) from SSM. */
export async function resolveSecrets<C extends Partial<Config>>(
  config: C,
  env: NodeJS.ProcessEnv = process.env,
): Promise<C> {
  // The common case, no secret in SSM, costs two property reads.
  if (config.WX_SECRET_SSM_NAME === undefined && config.OPENCLAW_TOKEN_SSM_NAME === undefined) return config;
  const jobs = (Object.entries(SECRET_SOURCES) as [SecretVariable, keyof Config][]).map(async ([variable, source]) => {
    const secretName = config[source];
    if (typeof secretName !== "string" || !config.SSM_REGION) return;
    const what = `${variable} from SSM secret "${secretName}" (${source}, region ${config.SSM_REGION})`;
    const secretId = env.TENCENTCLOUD_SECRETID;
    const secretKey = env.TENCENTCLOUD_SECRETKEY;
    if (!set(secretId) || !set(secretKey)) {
      throw unavailable(
        `cannot read ${what}: no role credentials (TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY); give the function an execution role`,
      );
    }
    const token = env.TENCENTCLOUD_SESSIONTOKEN;
    const key = JSON.stringify([config.SSM_ENDPOINT ?? "", config.SSM_REGION, secretName]);
    try {
      (config as Partial<Config>)[variable] = await once(key, () =>
        fetchSecret({
          secretName,
          versionId: SECRET_VERSION,
          region: config.SSM_REGION as string,
          endpoint: config.SSM_ENDPOINT,
          credential: { secretId, secretKey, token: set(token) ? token : undefined },
          timeoutS: TIMEOUT_S,
        }),
      );
    } catch (e) {
      throw unavailable(`cannot read ${what}: ${reason(e)}`);
    }
  });
  await Promise.all(jobs);
  return config;
}
