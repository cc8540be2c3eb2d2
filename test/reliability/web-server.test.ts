/**
 * The shared Web-function server (shared/http/web-server.ts) in its own process, with a handler
 * that fails on purpose: the last-resort handlers, the drain, and the timeouts that bound a
 * slow-loris client without bounding a long reply.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/redis-server.js";
import { logLinesIn } from "../support/logs.js";
import { sendRaw, trickle } from "./support/raw-http.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "support", "fault-server.ts");

interface Running {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const running: Running[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.child.kill("SIGKILL");
});

async function start(): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      output += d;
      if (output.includes('"listening"')) resolve();
    });
    child.stderr?.on("data", (d: Buffer) => {
      output += d;
    });
    void exited.then((code) => reject(new Error(`fault server exited with ${code}\n${output}`)));
  });
  const r = { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
  running.push(r);
  return r;
}

const logLines = (r: Running) => logLinesIn(r.output());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: () => boolean): Promise<void> {
  while (!what()) await sleep(20);
}

describe("the Web-function server's last resort", () => {
  it("logs an unhandled rejection and goes on serving", async () => {
    const server = await start();
    expect(await (await fetch(`${server.url}/reject`)).text()).toBe("done /reject");
    await until(() => logLines(server).some((l) => l.msg === "unhandled rejection (serving goes on)"));
    expect(logLines(server).find((l) => l.msg === "unhandled rejection (serving goes on)")).toMatchObject({
      level: "error",
      fn: "fault",
      errMessage: "a promise nobody awaited",
    });
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe("done /ok");
    expect(server.child.exitCode).toBeNull();
  });

  it("after an uncaught exception stops accepting, finishes the requests in flight, then exits non-zero", async () => {
    const server = await start();
    const held = fetch(`${server.url}/held`, { headers: { connection: "close" } });
    await until(() => server.output().includes("held request started"));

    await fetch(`${server.url}/throw`, { headers: { connection: "close" } });
    await until(() => logLines(server).some((l) => l.msg === "stopping: draining in-flight requests"));
    expect(logLines(server).find((l) => l.msg === "uncaught exception")).toMatchObject({
      level: "error",
      errMessage: "thrown where no try can catch it",
    });
    // No longer accepting, but still running for the request in flight.
    await expect(fetch(`${server.url}/ok`)).rejects.toThrow();
    expect(server.child.exitCode).toBeNull();

    server.child.kill("SIGUSR2");
    const res = await held;
    expect(await res.text()).toBe("done /held");
    expect(await server.exited).toBe(1);
  });
});

describe("the Web-function server's timeouts", () => {
  it("cuts off a client that trickles its headers with a 408, while serving others", async () => {
    const server = await start();
    const loris = await trickle(server.url, `GET /ok HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(200)}`, 40);
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe("done /ok");
    expect(await loris.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(logLines(server).some((l) => l.level === "warn" && l.reason === "ERR_HTTP_REQUEST_TIMEOUT")).toBe(true);
  });

  it("cuts off a client that trickles its body with a 408", async () => {
    const server = await start();
    const loris = await trickle(
      server.url,
      "b".repeat(400),
      20,
      "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 400\r\n\r\n",
    );
    expect(await loris.closed).toMatch(/^HTTP\/1\.1 408 /);
    // The handler reading the body learns of it as a hang-up, not as an error of ours.
    await until(() => logLines(server).some((l) => l.msg === "client hung up"));
    expect(logLines(server).filter((l) => l.level === "error")).toEqual([]);
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe("done /ok");
  });

  it("lets a reply take longer than the request timeout once the request is in", async () => {
    const server = await start();
    const reply = await sendRaw(server.url, "GET /long HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain("done /long");
  });
});

describe("the Web-function server's own answers", () => {
  it("carry nosniff and no-store like the pipeline's: 400 malformed, 431 headers too large, 408, 500", async () => {
    const server = await start();
    const malformed = await sendRaw(server.url, "NOT HTTP AT ALL\r\n\r\n");
    const tooLarge = await sendRaw(server.url, `GET /ok HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    const slow = await (await trickle(server.url, `GET /ok HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(200)}`, 40))
      .closed;
    const failed = await sendRaw(server.url, "GET /fail HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    for (const [reply, status] of [
      [malformed, 400],
      [tooLarge, 431],
      [slow, 408],
      [failed, 500],
    ] as const) {
      expect(reply).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(reply.toLowerCase()).toContain("x-content-type-options: nosniff");
      expect(reply.toLowerCase()).toContain("cache-control: no-store");
    }
  });
});
