import { afterEach, describe, expect, it } from "vitest";
import { Logger } from "../../shared/log.js";
import { captureLogs } from "../support/logs.js";

describe("logger", () => {
  const logs = captureLogs();
  afterEach(() => {
    logs.clear();
  });

  it("writes one JSON line with level, message and context", () => {
    new Logger("info").child({ fn: "chat", requestId: "r1" }).info("request", { status: 200 });
    const [line] = logs.lines;
    expect(line).toMatchObject({ level: "info", msg: "request", fn: "chat", requestId: "r1", status: 200 });
  });

  it("redacts fields that name credentials or user text, whoever passes them", () => {
    const log = new Logger("debug");
    log.info("x", {
      token: "t0k3n",
      WX_SECRET: "s3cr3t",
      session_key: "sk",
      authorization: "Bearer abc",
      "x-wx-session": "hdr",
      message: "hello there",
      content: "reply text",
      code: "js-code",
      status: 200,
    });
    const text = logs.text();
    for (const leaked of ["t0k3n", "s3cr3t", '"sk"', "Bearer abc", "hdr", "hello there", "reply text", "js-code"]) {
      expect(text).not.toContain(leaked);
    }
    expect(logs.lines.at(-1)?.status).toBe(200);
  });

  it("drops lines below the configured level", () => {
    const before = logs.lines.length;
    new Logger("warn").info("quiet");
    new Logger("warn").error("loud");
    expect(logs.lines.slice(before).map((l) => l.msg)).toEqual(["loud"]);
  });
});
