/** Captures log lines written in this process, parsed; several captures may listen at once. */
import * as z from "zod/mini";
import { setLogSink } from "../../shared/log.js";
import { parseAs } from "./json.js";

/** A line as shared/log.ts writes it: level, time and message, then scalar fields only. */
export const LogLine = z.catchall(
  z.object({ level: z.enum(["debug", "info", "warn", "error"]), time: z.string(), msg: z.string() }),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);
export type LogLine = z.infer<typeof LogLine>;

export const parseLogLine = (line: string): LogLine => parseAs(LogLine, line);

/** The log lines in a process's output (lines that start with `{`; anything else is not ours). */
export const logLinesIn = (output: string): LogLine[] =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map(parseLogLine);

export interface CapturedLogs {
  readonly lines: LogLine[];
  text(): string;
  clear(): void;
  stop(): void;
}

const listeners = new Set<(line: string) => void>();

export function captureLogs(): CapturedLogs {
  if (listeners.size === 0) {
    setLogSink((line) => {
      for (const l of listeners) l(line);
    });
  }
  const raw: string[] = [];
  const listener = (line: string) => {
    raw.push(line);
  };
  listeners.add(listener);
  return {
    get lines() {
      return raw.map(parseLogLine);
    },
    text: () => raw.join("\n"),
    clear: () => {
      raw.length = 0;
    },
    stop: () => {
      listeners.delete(listener);
      if (listeners.size === 0) setLogSink(null);
    },
  };
}
