/** Captures log lines written in this process, parsed; several captures may listen at once. */
import { setLogSink } from "../../shared/log.js";

export interface CapturedLogs {
  readonly lines: Record<string, unknown>[];
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
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
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
