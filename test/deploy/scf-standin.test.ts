/**
 * The SCF API stand-in refuses what the real API would: requests that are not properly signed,
 * fields the SDK's request interfaces do not declare or type otherwise, and values Tencent's
 * documents rule out. Without this, a deploy test passing against it would prove little.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScfClient, scfClient } from "../../scripts/deploy/scf-api.js";
import { type ScfStandin, startScfStandin } from "../../scripts/standins/scf.js";
import { fieldProblems, modelsFile, readModels } from "../../scripts/standins/sdk-models.js";

const KEYS = { secretId: "AKIDstandinTEST01", secretKey: "standin-secret-key-01" };
let scf: ScfStandin;
let client: ScfClient;

/** Calls `run` and returns the API error code it failed with. */
async function errorCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (e) {
    return typeof e === "object" && e !== null && "code" in e ? String(e.code) : String(e);
  }
  return "no error";
}

beforeAll(async () => {
  scf = await startScfStandin({ ...KEYS, region: "ap-guangzhou" });
  client = scfClient(new URL(scf.url), "ap-guangzhou", KEYS);
}, 60_000);

afterAll(() => scf?.close());

describe("SCF API stand-in", () => {
  it("reads the request interfaces from the SDK's own models", () => {
    const models = readModels(modelsFile("tencentcloud-sdk-nodejs-scf", "scf", "v20180416"));
    const create = models.get("CreateFunctionRequest");
    expect(create?.get("FunctionName")).toEqual({ optional: false, type: { kind: "string" } });
    expect(create?.get("Code")).toEqual({ optional: false, type: { kind: "ref", name: "Code" } });
    expect(create?.get("Layers")).toEqual({
      optional: true,
      type: { kind: "array", of: { kind: "ref", name: "LayerVersionSimple" } },
    });
    expect(fieldProblems(models, "PutReservedConcurrencyConfigRequest", { FunctionName: "f" })).toEqual([
      "PutReservedConcurrencyConfigRequest.ReservedConcurrencyMem: required",
    ]);
  });

  it("refuses a request signed with another key", async () => {
    const forged = scfClient(new URL(scf.url), "ap-guangzhou", { ...KEYS, secretKey: "not-the-key" });
    expect(await errorCode(() => forged.ListNamespaces({}))).toBe("AuthFailure.SignatureFailure");
  });

  it("refuses a field the SDK does not declare, a missing required one, and one of the wrong type", async () => {
    const unknown = { FunctionName: "wxclaw-x", Namespace: "default", Colour: "blue" };
    expect(await errorCode(() => client.GetFunction(unknown as never))).toBe("InvalidParameter");
    expect(await errorCode(() => client.GetFunctionAddress({} as never))).toBe("InvalidParameter");
    const wrongType = { FunctionName: "wxclaw-x", ReservedConcurrencyMem: "6400" };
    expect(await errorCode(() => client.PutReservedConcurrencyConfig(wrongType as never))).toBe("InvalidParameter");
    expect(scf.refused.join("\n")).toMatch(/Colour: not a field of GetFunctionRequest/);
    expect(scf.refused.join("\n")).toMatch(/FunctionName: required/);
    expect(scf.refused.join("\n")).toMatch(/ReservedConcurrencyMem: expected number, got string/);
  });

  it("refuses a function URL whose TriggerDesc breaks Tencent's documented shape", async () => {
    const zip = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="; // an empty zip
    await client.CreateFunction({
      FunctionName: "wxclaw-url",
      Code: { ZipFile: zip },
      Handler: "index.main_handler",
      Runtime: "Nodejs18.15",
    });
    const trigger = (TriggerDesc: string) =>
      client.CreateTrigger({ FunctionName: "wxclaw-url", TriggerName: "u", Type: "http", TriggerDesc });
    expect(await errorCode(() => trigger(JSON.stringify({ AuthType: "OPEN", NetConfig: {} })))).toBe(
      "InvalidParameterValue.TriggerDesc",
    );
    expect(await errorCode(() => trigger(JSON.stringify({ AuthType: "NONE" })))).toBe(
      "InvalidParameterValue.TriggerDesc",
    );
    const ok = { AuthType: "NONE", NetConfig: { EnableIntranet: false, EnableExtranet: true } };
    expect(await errorCode(() => trigger(JSON.stringify(ok)))).toBe("no error");
  });

  it("refuses an HTTP function whose package has no executable scf_bootstrap, and a runtime it does not list", async () => {
    const zip = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";
    const web = { FunctionName: "wxclaw-web", Code: { ZipFile: zip }, Type: "HTTP", Runtime: "Nodejs18.15" };
    expect(await errorCode(() => client.CreateFunction(web))).toBe("InvalidParameterValue.ZipFile");
    const old = {
      FunctionName: "wxclaw-old",
      Code: { ZipFile: zip },
      Handler: "index.main_handler",
      Runtime: "Nodejs99",
    };
    expect(await errorCode(() => client.CreateFunction(old))).toBe("InvalidParameterValue.Runtime");
  });

  it("reports a function Creating until it has been polled, and refuses changes meanwhile", async () => {
    const zip = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";
    await client.CreateFunction({
      FunctionName: "wxclaw-slow",
      Code: { ZipFile: zip },
      Handler: "index.main_handler",
      Runtime: "Nodejs18.15",
    });
    expect(await errorCode(() => client.PublishVersion({ FunctionName: "wxclaw-slow" }))).toBe("FailedOperation");
    expect((await client.GetFunction({ FunctionName: "wxclaw-slow" })).Status).toBe("Creating");
    expect((await client.GetFunction({ FunctionName: "wxclaw-slow" })).Status).toBe("Active");
    expect((await client.PublishVersion({ FunctionName: "wxclaw-slow" })).FunctionVersion).toBe("1");
  });
});
