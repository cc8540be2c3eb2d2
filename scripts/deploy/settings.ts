/**
 * The deployment's own variables (CONTRACT §2, "Deployment variables"): where and as whom to
 * deploy. Read once; values are only ever used, never printed.
 */
import type { Credentials } from "./scf-api.js";

export interface DeployVariableSpec {
  /** Needed for a real deploy (a dry run needs none). */
  required?: "always" | "vpc";
  default?: string;
  secret?: true;
  meaning: string;
}

export const DEPLOY_VARIABLES = {
  TENCENTCLOUD_SECRETID: { required: "always", secret: true, meaning: "API key id the deployer signs with" },
  TENCENTCLOUD_SECRETKEY: { required: "always", secret: true, meaning: "its secret key" },
  TENCENTCLOUD_SESSIONTOKEN: { secret: true, meaning: "session token, when the key is temporary" },
  SCF_REGION: { required: "always", meaning: "region of the functions, the VPC and the domain, e.g. ap-guangzhou" },
  SCF_NAMESPACE: { default: "default", meaning: "SCF namespace of the functions (created when missing)" },
  SCF_FUNCTION_PREFIX: { default: "wxclaw-", meaning: "prefix of every function name" },
  SCF_DOMAIN: { required: "always", meaning: "the custom domain the Mini Program calls (ICP-filed)" },
  SCF_CERTIFICATE_ID: { required: "always", meaning: "SSL certificate id of that domain (SSL Certificates console)" },
  SCF_VPC_ID: { required: "vpc", meaning: "VPC of TencentDB for Redis and OpenClaw (vpc-…)" },
  SCF_SUBNET_ID: { required: "vpc", meaning: "subnet of that VPC the functions join (subnet-…)" },
  SCF_ROLE: { meaning: "execution role of the functions that read secrets from SSM" },
  SCF_API_ENDPOINT: { default: "https://scf.tencentcloudapi.com", meaning: "SCF API origin" },
  SCF_CHAT_CONCURRENCY: {
    meaning: "requests one chat instance serves at once, 2–100 (default: the measured one in dist/routes.json)",
  },
} as const satisfies Record<string, DeployVariableSpec>;
export type DeployVariable = keyof typeof DEPLOY_VARIABLES;

/** Deploy tooling writes "undefined" for an unset variable; it counts as unset. */
export const isSet = (value: string | undefined): value is string =>
  value !== undefined && value !== "" && value !== "undefined";

export interface Settings {
  region: string;
  namespace: string;
  prefix: string;
  domain: string;
  certificateId: string;
  vpcId: string;
  subnetId: string;
  role: string | undefined;
  endpoint: URL;
  /** SCF_CHAT_CONCURRENCY, when set: overrides chat's request concurrency from the manifest. */
  chatConcurrency: number | undefined;
  /** None when the key id or secret key is missing: the account cannot be read. */
  credentials: Credentials | undefined;
}

function value(env: NodeJS.ProcessEnv, name: DeployVariable): string {
  const v = env[name];
  if (isSet(v)) return v.trim();
  const spec: DeployVariableSpec = DEPLOY_VARIABLES[name];
  return spec.default ?? "";
}

/** The settings, with defaults; unset required ones are empty (env.ts reports them). */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const secretId = value(env, "TENCENTCLOUD_SECRETID");
  const secretKey = value(env, "TENCENTCLOUD_SECRETKEY");
  const token = value(env, "TENCENTCLOUD_SESSIONTOKEN");
  return {
    region: value(env, "SCF_REGION"),
    namespace: value(env, "SCF_NAMESPACE"),
    prefix: value(env, "SCF_FUNCTION_PREFIX"),
    domain: value(env, "SCF_DOMAIN").toLowerCase(),
    certificateId: value(env, "SCF_CERTIFICATE_ID"),
    vpcId: value(env, "SCF_VPC_ID"),
    subnetId: value(env, "SCF_SUBNET_ID"),
    role: value(env, "SCF_ROLE") || undefined,
    endpoint: new URL(value(env, "SCF_API_ENDPOINT")),
    // An invalid value is reported by settingsProblems and refused before anything is sent.
    chatConcurrency: /^\d+$/.test(value(env, "SCF_CHAT_CONCURRENCY"))
      ? Number(value(env, "SCF_CHAT_CONCURRENCY"))
      : undefined,
    credentials: secretId && secretKey ? { secretId, secretKey, token: token || undefined } : undefined,
  };
}

/** Problems with the deployment variables' formats, by name; never a value. */
export function settingsProblems(env: NodeJS.ProcessEnv): Map<DeployVariable, string> {
  const problems = new Map<DeployVariable, string>();
  const endpoint = value(env, "SCF_API_ENDPOINT");
  try {
    const url = new URL(endpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") problems.set("SCF_API_ENDPOINT", "not http(s)");
    else if (url.pathname !== "/" || url.search) problems.set("SCF_API_ENDPOINT", "an origin only, no path");
  } catch {
    problems.set("SCF_API_ENDPOINT", "not a URL");
  }
  const prefix = value(env, "SCF_FUNCTION_PREFIX");
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,30}$/.test(prefix)) {
    problems.set("SCF_FUNCTION_PREFIX", "a letter, then up to 30 letters, digits, - or _");
  }
  const namespace = value(env, "SCF_NAMESPACE");
  if (!/^[A-Za-z0-9_-]{1,30}$/.test(namespace)) problems.set("SCF_NAMESPACE", "letters, digits, - or _ only");
  const chatConcurrency = value(env, "SCF_CHAT_CONCURRENCY");
  if (
    chatConcurrency &&
    !(/^\d+$/.test(chatConcurrency) && Number(chatConcurrency) >= 2 && Number(chatConcurrency) <= 100)
  ) {
    // SCF's request multi-concurrency takes 2 to 100 (583/123892).
    problems.set("SCF_CHAT_CONCURRENCY", "a whole number from 2 to 100");
  }
  const domain = value(env, "SCF_DOMAIN");
  if (domain && (domain.includes("*") || !/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(domain))) {
    problems.set("SCF_DOMAIN", "a plain host name (no scheme, no wildcard)");
  }
  return problems;
}
