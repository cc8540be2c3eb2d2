/**
 * Runs in every test file (vitest setupFiles): captures all log lines of the file and, after
 * it, fails if any value a test declared secret (tokens, secrets, codes, message text) was logged.
 */
import { afterAll } from "vitest";
import { captureLogs } from "./logs.js";

const forbidden = new Set<string>();
export const suiteLogs = captureLogs();

/** Declares values that must never appear in any log line of this file. */
export function forbidInLogs(...values: string[]): void {
  for (const v of values) if (v.length >= 4) forbidden.add(v);
}

afterAll(() => {
  const text = suiteLogs.text();
  const leaked = [...forbidden].filter((v) => text.includes(v));
  if (leaked.length > 0) throw new Error(`secret or user text reached the logs: ${leaked.length} value(s)`);
});
