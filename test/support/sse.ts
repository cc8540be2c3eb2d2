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
      events.push({ event, data: JSON.parse(data.join("\n")), at: performance.now() - started });
      end = buffer.indexOf("\n\n");
    }
  }
  return events;
}
