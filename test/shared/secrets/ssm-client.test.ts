/** The SSM client (the SDK, as ssm.js runs it) against a stand-in that verifies every signature. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SsmStandin, startSsmStandin } from "../../../scripts/standins/ssm.js";
import { getSecretValue, type SecretRequest } from "../../../shared/secrets/ssm-client.js";

const role = {
  secretId: `AKID${randomBytes(12).toString("hex")}`,
  secretKey: randomBytes(20).toString("base64"),
  token: `role-token-${randomBytes(24).toString("hex")}`,
};
const VALUE = `wx-secret-from-ssm-${randomBytes(8).toString("hex")}`;

let ssm: SsmStandin;

beforeAll(async () => {
  ssm = await startSsmStandin({ ...role, region: "ap-guangzhou", secrets: { "wxclaw-wx-secret": VALUE } });
});
afterAll(async () => {
  await ssm.close();
});

const request = (over: Partial<SecretRequest> = {}): SecretRequest => ({
  secretName: "wxclaw-wx-secret",
  versionId: "SSM_Current",
  region: "ap-guangzhou",
  endpoint: ssm.url,
  credential: role,
  timeoutS: 2,
  ...over,
});

describe("getSecretValue", () => {
  it("sends a TC3-HMAC-SHA256 signed GetSecretValue with the role's token and returns SecretString", async () => {
    const before = ssm.calls.length;
    await expect(getSecretValue(request())).resolves.toBe(VALUE);
    expect(ssm.calls.slice(before)).toEqual([
      { secretName: "wxclaw-wx-secret", versionId: "SSM_Current", region: "ap-guangzhou", withToken: true },
    ]);
    expect(ssm.refused).toEqual([]);
  });

  it("is refused with SSM's error code when signed with another key", async () => {
    const wrong = { ...role, secretKey: randomBytes(20).toString("base64") };
    await expect(getSecretValue(request({ credential: wrong }))).rejects.toThrow(/^AuthFailure\.SignatureFailure/);
    expect(ssm.refused.at(-1)).toBe("AuthFailure.SignatureFailure: signature does not match");
  });

  it("is refused when temporary credentials come without their session token", async () => {
    const { token: _, ...permanentLooking } = role;
    await expect(getSecretValue(request({ credential: permanentLooking }))).rejects.toThrow(
      /^AuthFailure\.TokenFailure/,
    );
  });

  it("is refused for an unknown SecretId, another region or an unknown secret", async () => {
    await expect(getSecretValue(request({ credential: { ...role, secretId: "AKIDnobody" } }))).rejects.toThrow(
      /^AuthFailure\.SecretIdNotFound/,
    );
    await expect(getSecretValue(request({ region: "ap-shanghai" }))).rejects.toThrow(/^UnsupportedRegion/);
    await expect(getSecretValue(request({ secretName: "nope" }))).rejects.toThrow(/^ResourceNotFound/);
  });

  it("reports an unreachable endpoint as a network failure, within its deadline", async () => {
    const closed = await startSsmStandin({ ...role, region: "ap-guangzhou" });
    await closed.close();
    const started = Date.now();
    await expect(getSecretValue(request({ endpoint: closed.url }))).rejects.toThrow(/ECONNREFUSED/);
    ssm.queue({ hang: true });
    await expect(getSecretValue(request({ timeoutS: 1 }))).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("refuses a secret that holds no text", async () => {
    ssm.secrets.set("empty", "");
    await expect(getSecretValue(request({ secretName: "empty" }))).rejects.toThrow("the secret is empty");
  });
});
