/**
 * `wx.request` with `enableChunked`, for a server-sent event stream: the body of a
 * `200 text/event-stream` answer is decoded and handed to `onText` while it arrives; any other
 * answer (the backend's JSON errors all come before a stream starts) is collected and resolved
 * parsed, as send() does.
 *
 * Platforms differ in where a chunked body ends up: in onChunkReceived's ArrayBuffers, in the
 * success callback's `data`, or in both. The chunks are used when any arrived, else `data`.
 * And DevTools' header event has no statusCode, so until success gives the status, a body counts
 * as the stream when its content type says so (the backend sends that type only with a 200).
 */
import { type HttpRequest, type HttpResponse, lowerCaseKeys, requestFailure } from "./request";
import { Utf8Decoder } from "./utf8";

function isEventStream(status: number | undefined, headers: Record<string, string>): boolean {
  return (status === undefined || status === 200) && /^text\/event-stream\b/i.test(headers["content-type"] ?? "");
}

const isArrayBuffer = (v: unknown): v is ArrayBuffer => Object.prototype.toString.call(v) === "[object ArrayBuffer]";

function decodeAll(parts: Uint8Array[]): string {
  const decoder = new Utf8Decoder();
  return parts.map((p) => decoder.write(p)).join("") + decoder.end();
}

/** JSON when it parses, else the text (a proxy's error page), like wx.request with dataType "json". */
function parseBody(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export function sendChunked(req: HttpRequest, onText: (text: string) => void): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const decoder = new Utf8Decoder();
    /** Bytes not handed over yet: those that came before the headers said what they are, or a non-stream body. */
    let held: Uint8Array[] = [];
    let chunked = false;
    let streaming = false;

    const take = (bytes: Uint8Array) => {
      const text = decoder.write(bytes);
      if (text !== "") onText(text);
    };
    const release = () => {
      for (const bytes of held) take(bytes);
      held = [];
    };

    const task = wx.request({
      url: req.url,
      method: req.method,
      data: req.body,
      header: { "content-type": "application/json", ...req.headers },
      timeout: req.timeoutMs,
      enableChunked: true,
      responseType: "arraybuffer",
      // Anything but "json": the body is left as it came.
      dataType: "text",
      success: (res) => {
        const headers = lowerCaseKeys(res.header);
        const late: unknown = chunked ? undefined : res.data;
        if (isEventStream(res.statusCode, headers)) {
          release();
          if (isArrayBuffer(late)) take(new Uint8Array(late));
          const rest = decoder.end() + (typeof late === "string" ? late : "");
          if (rest !== "") onText(rest);
          resolve({ status: res.statusCode, headers, data: undefined });
          return;
        }
        let data: unknown = late;
        if (held.length > 0) data = parseBody(decodeAll(held));
        else if (isArrayBuffer(late)) data = parseBody(decodeAll([new Uint8Array(late)]));
        else if (typeof late === "string") data = parseBody(late);
        resolve({ status: res.statusCode, headers, data });
      },
      fail: (err) => reject(requestFailure(err)),
    });
    task.onHeadersReceived((res) => {
      const status = typeof res.statusCode === "number" ? res.statusCode : undefined;
      streaming = isEventStream(status, lowerCaseKeys(res.header));
      if (streaming) release();
    });
    task.onChunkReceived((res) => {
      chunked = true;
      const bytes = new Uint8Array(res.data);
      if (streaming) take(bytes);
      else held.push(bytes);
    });
  });
}
