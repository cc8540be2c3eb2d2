/**
 * An incremental parser of server-sent events (the WHATWG `text/event-stream` format), fed
 * decoded text as it arrives: a chunk may end anywhere, in the middle of a line, of a field
 * name, or between the CR and LF of a CRLF. Lines end with LF, CRLF or CR; a blank line ends an
 * event; `event:` names it (default "message"), `data:` lines are joined with "\n", one space
 * after the colon is dropped, lines starting with ":" are comments. `id:` and `retry:` only
 * matter to EventSource's reconnection, which a wx.request stream has no use for: ignored.
 */

export interface ServerSentEvent {
  event: string;
  data: string;
}

export class SseParser {
  /** The current line, until its end arrives. */
  private line = "";
  /** The last chunk ended with CR: an LF that starts the next one belongs to it. */
  private afterCR = false;
  private started = false;
  private event = "";
  private data: string[] = [];

  constructor(private readonly onEvent: (event: ServerSentEvent) => void) {}

  push(text: string): void {
    let from = 0;
    if (!this.started && text !== "") {
      this.started = true;
      // A byte order mark at the very start is not part of the first field name.
      if (text.charCodeAt(0) === 0xfeff) from = 1;
    }
    if (this.afterCR && text !== "") {
      this.afterCR = false;
      if (text.charCodeAt(from) === 0x0a) from++;
    }
    while (from < text.length) {
      const end = lineEnd(text, from);
      if (end === -1) {
        this.line += text.slice(from);
        return;
      }
      const line = this.line + text.slice(from, end);
      this.line = "";
      from = end + 1;
      if (text.charCodeAt(end) === 0x0d) {
        if (from === text.length) this.afterCR = true;
        else if (text.charCodeAt(from) === 0x0a) from++;
      }
      this.take(line);
    }
  }

  /**
   * The end of the stream. An event not closed by a blank line is dropped, as the standard says:
   * a stream cut short must not pass off its last, possibly partial, event as complete.
   */
  end(): void {
    this.line = "";
    this.event = "";
    this.data = [];
    this.afterCR = false;
  }

  private take(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ":" starts a comment (keep-alives use them)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
  }

  private dispatch(): void {
    const event = this.event;
    const data = this.data;
    this.event = "";
    this.data = [];
    // An event with no data line is not dispatched (the standard's rule).
    if (data.length === 0) return;
    this.onEvent({ event: event === "" ? "message" : event, data: data.join("\n") });
  }
}

/** Index of the first CR or LF at or after `from`, or -1. */
function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return i;
  }
  return -1;
}
