/** The deploy preflight: every missing or invalid variable named, no value ever printed. */
import { describe, expect, it } from "vitest";
import { checkEnvironment } from "../../scripts/deploy/env.js";
import { planFunction } from "../../scripts/deploy/plan.js";
import type { ManifestFunction } from "../../scripts/manifest.js";
import { type EnvName, GROUPS, type Group } from "../../shared/config.js";

const fn = (name: string, kind: "event" | "web" = "event"): ManifestFunction => ({
  name,
  kind,
  routes: [],
  pathMatch: [`/api/${name}`],
  memoryMB: 128,
  timeoutS: 10,
  concurrency: 1,
  entry: kind === "web" ? "scf_bootstrap" : "index.main_handler",
});

/** The variables of whole config groups, as a function that loads them reads them. */
const of = (...groups: Group[]): EnvName[] => [...new Set(groups.flatMap((g) => [...GROUPS[g]]))];

const plans = [
  planFunction(fn("login"), of("base", "redis", "wechat")),
  planFunction(fn("chat"), of("base", "redis", "openclaw")),
];

const deployment = {
  TENCENTCLOUD_SECRETID: "AKIDenvtest",
  TENCENTCLOUD_SECRETKEY: "env-test-secret-key",
  SCF_REGION: "ap-guangzhou",
  SCF_DOMAIN: "api.example.com",
  SCF_CERTIFICATE_ID: "cert-1",
  SCF_VPC_ID: "vpc-1",
  SCF_SUBNET_ID: "subnet-1",
};

describe("deploy preflight", () => {
  it("names every missing variable of the deployment and of the functions", () => {
    const report = checkEnvironment({}, plans);
    const names = report.problems.map((p) => p.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "TENCENTCLOUD_SECRETID",
        "TENCENTCLOUD_SECRETKEY",
        "SCF_REGION",
        "SCF_DOMAIN",
        "SCF_CERTIFICATE_ID",
        "SCF_VPC_ID",
        "SCF_SUBNET_ID",
        "REDIS_URL",
        "WX_APPID",
        "WX_SECRET",
        "OPENCLAW_BASE_URL",
      ]),
    );
  });

  it("asks for no VPC when no function needs one", () => {
    const report = checkEnvironment({}, [planFunction(fn("health"), ["LOG_LEVEL"])]);
    expect(report.problems.join("\n")).not.toContain("SCF_VPC_ID");
  });

  it("calls invalid values invalid, deadlines beyond the function timeouts included, and never prints them", () => {
    const env = {
      ...deployment,
      REDIS_URL: "mysql://user:redis-pass-0002@10.0.0.5",
      WX_APPID: "wx0123456789abcdef",
      WX_SECRET: "wx-secret-0002",
      OPENCLAW_BASE_URL: "http://10.0.1.5:18789",
      OPENCLAW_TIMEOUT_MS: "60000",
      SCF_API_ENDPOINT: "https://scf.tencentcloudapi.com/v3",
      SCF_DOMAIN: "*.example.com",
    };
    const report = checkEnvironment(env, plans);
    const text = JSON.stringify(report);
    expect(report.problems.find((p) => p.startsWith("REDIS_URL"))).toMatch(/invalid/);
    expect(report.problems.find((p) => p.startsWith("OPENCLAW_TIMEOUT_MS"))).toMatch(/above 55000/);
    expect(report.problems.find((p) => p.startsWith("SCF_API_ENDPOINT"))).toMatch(/origin only/);
    expect(report.problems.find((p) => p.startsWith("SCF_DOMAIN"))).toMatch(/no wildcard/);
    for (const value of ["redis-pass-0002", "wx-secret-0002", "env-test-secret-key"]) expect(text).not.toContain(value);
  });

  it("passes a complete environment", () => {
    const env = {
      ...deployment,
      REDIS_URL: "redis://:p@10.0.0.5:6379/0",
      WX_APPID: "wx0123456789abcdef",
      WX_SECRET: "s",
      OPENCLAW_BASE_URL: "http://10.0.1.5:18789",
    };
    expect(checkEnvironment(env, plans).problems).toEqual([]);
  });
});
