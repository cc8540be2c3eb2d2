import { describe, expect, it } from "vitest";
import { parseWire } from "../../shared/net/wire.js";
import { Completion, CompletionChunk, OpenClawError } from "../../shared/openclaw/wire.js";
import { Jscode2SessionReply, MsgSecCheckReply, StableTokenReply } from "../../shared/wechat/wire.js";

const json = (v: unknown) => JSON.stringify(v);

describe("upstream answers, checked by schema", () => {
  it("reads OpenClaw's completion, and treats an unusable token count as none", () => {
    const ok = parseWire(Completion, json({ choices: [{ message: { content: "hi" } }], usage: { total_tokens: 12 } }));
    expect(ok?.choices[0]?.message.content).toBe("hi");
    expect(ok?.usage?.total_tokens).toBe(12);
    for (const total of [-1, "12", null]) {
      const odd = parseWire(
        Completion,
        json({ choices: [{ message: { content: "x" } }], usage: { total_tokens: total } }),
      );
      expect(odd?.usage?.total_tokens, String(total)).toBeUndefined();
    }
  });

  it("refuses a completion without text, and anything that is not JSON", () => {
    expect(parseWire(Completion, json({ choices: [] }))).toBeUndefined();
    expect(parseWire(Completion, json({ choices: [{ message: { content: 5 } }] }))).toBeUndefined();
    expect(parseWire(Completion, "<html>502</html>")).toBeUndefined();
  });

  it("reads OpenClaw's error body and stream chunks, tolerating fields it may add", () => {
    expect(
      parseWire(OpenClawError, json({ error: { message: "nope", type: "unauthorized", code: 1 } }))?.error,
    ).toEqual({
      message: "nope",
      type: "unauthorized",
    });
    expect(parseWire(OpenClawError, json({ error: { message: 7 } }))?.error).toEqual({ message: "", type: "unknown" });
    const chunk = parseWire(CompletionChunk, json({ id: "c", choices: [{ delta: { content: "pi" } }], usage: null }));
    expect(chunk?.choices?.[0]?.delta?.content).toBe("pi");
  });

  it("reads WeChat's answers, including an errcode alone, and refuses a wrong type", () => {
    expect(parseWire(Jscode2SessionReply, json({ openid: "o1", session_key: "k" }))).toEqual({ openid: "o1" });
    expect(parseWire(Jscode2SessionReply, json({ errcode: 40029, errmsg: "invalid code" }))?.errcode).toBe(40029);
    expect(parseWire(Jscode2SessionReply, json({ openid: 42 }))).toBeUndefined();
    expect(parseWire(StableTokenReply, json({ access_token: "t", expires_in: 7200 }))?.expires_in).toBe(7200);
    expect(
      parseWire(MsgSecCheckReply, json({ errcode: 0, result: { suggest: "risky", label: 20001 } }))?.result,
    ).toEqual({
      suggest: "risky",
    });
  });
});
