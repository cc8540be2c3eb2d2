/** The chat-stream Web function as SCF starts it: its scf_bootstrap runs server.js on PORT. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenClawStandin, standinReply, startOpenClawStandin } from "../../scripts/standins/openclaw.js";
import { startWechatStandin, type WechatStandin } from "../../scripts/standins/wechat.js";
import { readEvents, streamedText } from "../support/sse.js";
import { setEnv, TEST_APPID, TEST_SECRET, testRedisEnv, uniquePrefix } from "../support/stack.js";
import { loginAs } from "../support/users.js";
import { startWebFunction, type WebFunction } from "../support/web-function.js";

let wechat: WechatStandin;
let openclaw: OpenClawStandin;
let web: WebFunction | undefined;
let dir = "";
let base = "";

beforeAll(async () => {
  wechat = await startWechatStandin({ appid: TEST_APPID, secret: TEST_SECRET });
  openclaw = await startOpenClawStandin({ streamDelayMs: 5 });
  const prefix = uniquePrefix();
  // loginAs uses the login function in-process, against the same Redis and prefix.
  setEnv({
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: prefix,
    WX_APPID: TEST_APPID,
    WX_SECRET: TEST_SECRET,
    WX_API_BASE: wechat.url,
  });
  web = await startWebFunction("chat-stream", {
    ...testRedisEnv(),
    REDIS_KEY_PREFIX: prefix,
    OPENCLAW_BASE_URL: openclaw.url,
  });
  dir = web.dir;
  base = web.url;
});
afterAll(async () => {
  web?.close();
  await Promise.all([wechat.close(), openclaw.close()]);
});

describe("dist/chat-stream (SCF Web function)", () => {
  it("ships server.js and an executable scf_bootstrap, nothing else needed", () => {
    expect(existsSync(path.join(dir, "server.js"))).toBe(true);
    expect(statSync(path.join(dir, "scf_bootstrap")).mode & 0o111).toBeTruthy();
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("streams a reply through the bootstrapped server", async () => {
    const token = await loginAs("web");
    const res = await fetch(`${base}/api/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-wx-session": token },
      body: JSON.stringify({ message: "streamed hello", conversation_id: null }),
    });
    expect(res.status).toBe(200);
    const events = await readEvents(res);
    const text = streamedText(events);
    expect(text).toBe(standinReply("streamed hello", 1));
    expect(events.at(-1)?.event).toBe("done");
  });

  it("answers other paths with the contract's JSON 404", async () => {
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.any(String), code: "not_found" });
  });
});
