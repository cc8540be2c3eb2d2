import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../scripts/openapi/document.js";
import { freePort } from "../../scripts/redis-server.js";
import { ChatResponse, LoginResponse } from "../../shared/schemas.js";
import { type DevStack, exited, spawnDev, startDevStack } from "../support/dev-stack.js";
import { jsonOf } from "../support/json.js";

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
  }, 60_000);
  afterAll(async () => {
    await dev?.stop();
  });

  it("announces its stand-ins and prints a copy-paste curl session only once the API listens", () => {
    const out = dev.output();
    expect(out.indexOf("[dev] API listening")).toBeGreaterThan(-1);
    expect(out.indexOf("Try it")).toBeGreaterThan(out.indexOf("[dev] API listening"));
    expect(out).toContain("WeChat: LOCAL STAND-IN");
    expect(out).toContain("OpenClaw: LOCAL STAND-IN");
    expect(out).toContain("Redis: private redis-server");
    expect(out).toContain(`curl -s -X POST ${dev.base}/api/auth/wx-login`);
    expect(out).toContain(`${dev.base}/api/chat`);
  });

  it("serves login and two chat turns end to end", async () => {
    const login = await post(`${dev.base}/api/auth/wx-login`, { code: "alice:dev-test" });
    expect(login.status).toBe(200);
    const { sessionKey } = await jsonOf(login, LoginResponse);
    const headers = { "x-wx-session": sessionKey };
    const first = await post(`${dev.base}/api/chat`, { message: "Hello", conversation_id: null }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("20");
    const one = await jsonOf(first, ChatResponse);
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

  it("stops every process it started on SIGINT to npm's own process (Ctrl-C)", async () => {
    const redisPort = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
    const wechatPort = Number(/WeChat: LOCAL STAND-IN at http:\/\/127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
    const apiPort = Number(new URL(dev.base).port);
    expect(await portOpen(redisPort)).toBe(true);
    expect(await dev.stop()).toBe(0);
    for (const port of [redisPort, wechatPort, apiPort]) expect(await portOpen(port), String(port)).toBe(false);
  });
});

/** The ports a dev stack announced: its Redis, WeChat and OpenClaw stand-ins, and the API. */
function announcedPorts(out: string, base: string): number[] {
  const redis = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  const wechat = Number(/WeChat: LOCAL STAND-IN at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  const openclaw = Number(/OpenClaw: LOCAL STAND-IN at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  return [redis, wechat, openclaw, Number(new URL(base).port)];
}

describe("npm run dev leaves no mess", () => {
  it("stops every process it started on SIGTERM to npm's own process, as a process manager sends it", async () => {
    const dev = await startDevStack();
    const ports = announcedPorts(dev.output(), dev.base);
    for (const port of ports) expect(await portOpen(port), String(port)).toBe(true);
    await dev.stop("SIGTERM");
    // npm may exit before its child has finished cleaning up: give the ports a moment.
    for (let i = 0; i < 50 && (await Promise.all(ports.map(portOpen))).some(Boolean); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const port of ports) expect(await portOpen(port), String(port)).toBe(false);
  }, 60_000);

  it("refuses a port in use with one line naming PORT, a non-zero exit, and nothing started", async () => {
    const port = await freePort();
    const taken = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => taken.once("listening", r));
    try {
      const { child, output } = spawnDev({ PORT: String(port) });
      expect(await exited(child)).not.toBe(0);
      const lines = output()
        .split("\n")
        .filter((l) => l.trim() !== "");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Port \d+ .*in use.*PORT=/);
      expect(output()).not.toContain("redis");
    } finally {
      taken.close();
    }
  }, 60_000);

  it("serves on HOST beyond 127.0.0.1 for a phone preview, with a loud note", async () => {
    const dev = await startDevStack({ HOST: "127.0.0.2" });
    try {
      expect(dev.output()).toMatch(/!!! HOST=127\.0\.0\.2: the API answers beyond this machine/);
      const port = new URL(dev.base).port;
      const res = await fetch(`http://127.0.0.2:${port}/api/health`);
      expect(res.status).toBe(200);
    } finally {
      await dev.stop();
    }
  }, 60_000);
});
