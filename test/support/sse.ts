import * as z from "zod/mini";
import { type StreamEventData, type StreamEventName, StreamEvents } from "../../shared/schemas.js";

/** An event our server names must carry that event's data exactly (shared/schemas.ts StreamEvents). */
function checkedData(event: string, data: unknown): unknown {
  if (!isStreamEvent(event)) return data;
  const checked = z.safeParse(z.strictObject(StreamEvents[event].shape), data);
  if (!checked.success) throw new Error(`the ${event} event's data does not match its schema: ${JSON.stringify(data)}`);
  return checked.data;
}

const isStreamEvent = (event: string): event is StreamEventName => Object.hasOwn(StreamEvents, event);

/** Reads a server-sent events response into its events, as a browser would. */
export interface SseEvent {
  event: string;
  data: unknown;
  /** ms since the request was sent. */
  at: number;
}

export async function readEvents(res: Response, started = performance.now()): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body?.getReader();
  if (!reader) return events;
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        if (line.startsWith("data:")) data.push(line.slice(5).trim());
      }
      events.push({ event, data: checkedData(event, JSON.parse(data.join("\n"))), at: performance.now() - started });
      end = buffer.indexOf("\n\n");
    }
  }
  return events;
}

// One parser per event, so that a generic event name still yields its own data type.
const parsers: { [E in StreamEventName]: (data: unknown) => StreamEventData<E> } = {
  delta: (data) => z.parse(StreamEvents.delta, data),
  done: (data) => z.parse(StreamEvents.done, data),
  error: (data) => z.parse(StreamEvents.error, data),
};

/** The data of every `name` event, typed by that event's schema. */
export function dataOf<E extends StreamEventName>(events: SseEvent[], name: E): StreamEventData<E>[] {
  const parse = parsers[name];
  return events.filter((e) => e.event === name).map((e) => parse(e.data));
}

/** The reply's text: its `delta` pieces joined. */
export const streamedText = (events: SseEvent[]): string =>
  dataOf(events, "delta")
    .map((d) => d.text)
    .join("");

/** The `done` event's data; the stream must end with it. */
export function doneOf(events: SseEvent[]): StreamEventData<"done"> {
  const last = events.at(-1);
  if (last?.event !== "done") throw new Error(`the stream ended with ${JSON.stringify(last)}, not a done event`);
  return parsers.done(last.data);
}
