/**
 * The reliability suite runs the deployable artifact: each function built with the real build
 * (scripts/build.ts) into a folder outside the repository and loaded with Node's own `require`,
 * not the TypeScript sources. A bundle carries its own copy of the logger, which writes to
 * stdout; `captureBundleLogs` takes those lines so that they can be checked for leaks.
 */
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { buildFunction } from "../../../scripts/build.js";

export interface BuiltResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type BuiltHandler = (event: unknown, context?: Record<string, unknown>) => Promise<BuiltResponse>;

const load = createRequire(import.meta.url);
const out = mkdtempSync(path.join(tmpdir(), "wxclaw-reliability-"));

/**
 * Builds `name` as an event bundle and loads it in this process; undefined for a function without
 * main_handler. A JSON Web function (chat) runs the same main_handler behind its server, which
 * test/reliability/web-functions.test.ts drives over HTTP.
 */
export async function builtHandler(name: string): Promise<BuiltHandler | undefined> {
  const report = await buildFunction(name, out, "event");
  const mod = load(report.file) as { main_handler?: unknown };
  return typeof mod.main_handler === "function" ? (mod.main_handler as BuiltHandler) : undefined;
}

export async function requireHandler(name: string): Promise<BuiltHandler> {
  const handler = await builtHandler(name);
  if (!handler) throw new Error(`${name} has no main_handler`);
  return handler;
}

export interface BundleLogs {
  /** Every JSON line the bundles wrote so far. */
  readonly lines: string[];
  /** Values that must never appear in any line. */
  forbid(...values: string[]): void;
  /** Patterns that must never match any line (for generated values too many to list). */
  forbidPattern(pattern: RegExp): void;
}

/**
 * Takes the bundles' log lines off stdout for the whole file and, after it, fails if a
 * forbidden value or pattern appears in any of them, or if a line is not one JSON object.
 */
export function captureBundleLogs(): BundleLogs {
  const lines: string[] = [];
  const values = new Set<string>();
  const patterns: RegExp[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (!text.startsWith('{"level"')) return original(chunk, ...rest);
    lines.push(...text.split("\n").filter((l) => l !== ""));
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;

  afterAll(() => {
    process.stdout.write = original;
    expect(lines.length, "the bundles wrote log lines").toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
    const text = lines.join("\n");
    const leakedValues = [...values].filter((v) => text.includes(v)).length;
    const leakedPatterns = patterns.filter((p) => p.test(text)).map(String);
    // Counts and patterns only: the assertion message must not print the secret either.
    expect(leakedValues, "secret values found in bundle logs").toBe(0);
    expect(leakedPatterns, "secret patterns found in bundle logs").toEqual([]);
  });

  return {
    lines,
    forbid: (...v) => {
      for (const x of v) if (x.length >= 4) values.add(x);
    },
    forbidPattern: (p) => {
      patterns.push(p);
    },
  };
}
