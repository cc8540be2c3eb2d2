import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../scripts/openapi/document.js";
import { type DevStack, startDevStack } from "../support/dev-stack.js";

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("npm run dev with nothing configured", () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  }, 40_000);
  afterAll(async () => {
    await dev?.stop();
  });

  it("announces its stand-ins and prints a copy-paste curl session", () => {
    const out = dev.output();
    expect(out).toContain("WeChat: LOCAL STAND-IN");
    expect(out).toContain("OpenClaw: LOCAL STAND-IN");
    expect(out).toContain("Redis: private redis-server");
    expect(out).toContain(`curl -s -X POST ${dev.base}/api/auth/wx-login`);
    expect(out).toContain(`${dev.base}/api/chat`);
  });

  it("serves login and two chat turns end to end", async () => {
    const login = await post(`${dev.base}/api/auth/wx-login`, { code: "alice:dev-test" });
    expect(login.status).toBe(200);
    const { sessionKey } = (await login.json()) as { sessionKey: string };
    const headers = { "x-wx-session": sessionKey };
    const first = await post(`${dev.base}/api/chat`, { message: "Hello", conversation_id: null }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("20");
    const one = (await first.json()) as { conversation_id: string; reply: string };
    expect(one.reply).toContain("You said: Hello");
    const second = await post(
      `${dev.base}/api/chat`,
      { message: "Again", conversation_id: one.conversation_id },
      headers,
    );
    expect(await second.json()).toMatchObject({
      conversation_id: one.conversation_id,
      reply: "(turn 2) You said: Again",
    });
  });

  it("serves the OpenAPI document", async () => {
    const res = await fetch(`${dev.base}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
  });

  it("stops every process it started on Ctrl-C", async () => {
    const redisPort = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
    const wechatPort = Number(/WeChat: LOCAL STAND-IN at http:\/\/127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
    const apiPort = Number(new URL(dev.base).port);
    expect(await portOpen(redisPort)).toBe(true);
    expect(await dev.stop()).toBe(0);
    for (const port of [redisPort, wechatPort, apiPort]) expect(await portOpen(port), String(port)).toBe(false);
  });
});
