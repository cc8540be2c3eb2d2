/** Captures every log line written in this process, parsed. */
import { setLogSink } from "../../shared/log.js";

export interface CapturedLogs {
  lines: Record<string, unknown>[];
  text(): string;
  clear(): void;
  stop(): void;
}

export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  setLogSink((line) => raw.push(line));
  return {
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => raw.join("\n"),
    clear: () => {
      raw.length = 0;
    },
    stop: () => setLogSink(null),
  };
}
