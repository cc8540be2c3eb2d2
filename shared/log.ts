/**
 * One JSON-lines logger for every function. Fields are plain scalars only, and any field
 * whose name smells of a credential or of user text is replaced before it is written, so a
 * careless call site cannot leak a token, a secret, WeChat's session_key or a message.
 */
import type { LogLevel } from "./errors.js";

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values never reach the log, whoever passes them. */
const REDACTED_NAME =
  /token|secret|password|passwd|authorization|cookie|session_?key|sessionkey|x-wx-session|js_?code|^code$|message_?text|^message$|content|reply|prompt|body$/i;

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** Tests capture every line written by any logger of the process. */
export function setLogSink(next: LogSink | null): void {
  sink =
    next ??
    ((line) => {
      process.stdout.write(`${line}\n`);
    });
}

export function parseLogLevel(raw: string | undefined): LogLevel {
  return raw === "debug" || raw === "info" || raw === "warn" || raw === "error" ? raw : "info";
}

function clean(fields: LogFields): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[name] = REDACTED_NAME.test(name) ? "[redacted]" : value;
  }
  return out;
}

export class Logger {
  constructor(
    private readonly level: LogLevel,
    private readonly context: Record<string, LogValue> = {},
  ) {}

  child(fields: LogFields): Logger {
    return new Logger(this.level, { ...this.context, ...clean(fields) });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  debug(msg: string, fields: LogFields = {}): void {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields: LogFields = {}): void {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields: LogFields = {}): void {
    this.write("error", msg, fields);
  }

  write(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const line = { level, time: new Date().toISOString(), msg, ...this.context, ...clean(fields) };
    sink(JSON.stringify(line));
  }
}

/** What is safe to log of an unexpected error: its kind, message and stack, nothing attached. */
export function describeError(e: unknown): LogFields {
  if (e instanceof Error) {
    return { err: e.name, errMessage: e.message, stack: e.stack };
  }
  return { err: typeof e };
}
