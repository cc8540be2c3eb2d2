/**
 * An incremental UTF-8 decoder. Mini Programs have no TextDecoder, and a streamed response
 * arrives in chunks that may end in the middle of a character (a Chinese character is 3 bytes,
 * an emoji 4): the bytes of an unfinished character are kept, as decoder state, until the next
 * chunk completes it.
 *
 * This is the WHATWG Encoding Standard's UTF-8 decoder, so its output is exactly TextDecoder's
 * (non-fatal, `stream: true`): each invalid sequence becomes one U+FFFD, by the standard's
 * "maximal subpart" rule, and a byte that cannot continue a sequence starts a new one.
 */

const REPLACEMENT = 0xfffd;
/** Code units collected before they are turned into a string (String.fromCharCode takes them as arguments). */
const BATCH = 4096;

export class Utf8Decoder {
  /** The code point being assembled, and how many continuation bytes it has and needs. */
  private codePoint = 0;
  private seen = 0;
  private needed = 0;
  /** Range the next continuation byte must fall in (narrower after E0, ED, F0, F4: no overlongs, surrogates or > U+10FFFF). */
  private lower = 0x80;
  private upper = 0xbf;

  /** Decodes a chunk; an unfinished character at its end is completed by the next call. */
  write(chunk: Uint8Array | ArrayBuffer): string {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    const out = new Output();
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (this.needed === 0) {
        this.lead(byte, out);
        continue;
      }
      if (byte < this.lower || byte > this.upper) {
        // The sequence so far is one error; this byte is looked at again as a lead byte.
        this.reset();
        out.push(REPLACEMENT);
        this.lead(byte, out);
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      if (++this.seen === this.needed) {
        out.push(this.codePoint);
        this.reset();
      }
    }
    return out.text();
  }

  /** The end of the input: an unfinished character is an error (one U+FFFD). */
  end(): string {
    if (this.needed === 0) return "";
    this.reset();
    return String.fromCharCode(REPLACEMENT);
  }

  private lead(byte: number, out: Output): void {
    if (byte <= 0x7f) {
      out.push(byte);
    } else if (byte >= 0xc2 && byte <= 0xdf) {
      this.needed = 1;
      this.codePoint = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      if (byte === 0xe0) this.lower = 0xa0;
      if (byte === 0xed) this.upper = 0x9f;
      this.needed = 2;
      this.codePoint = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      if (byte === 0xf0) this.lower = 0x90;
      if (byte === 0xf4) this.upper = 0x8f;
      this.needed = 3;
      this.codePoint = byte & 0x07;
    } else {
      // 80–C1 (a continuation byte alone, or an overlong lead) and F5–FF never start a character.
      out.push(REPLACEMENT);
    }
  }

  private reset(): void {
    this.codePoint = 0;
    this.seen = 0;
    this.needed = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
}

/** Collects code points as UTF-16 code units and joins them in batches. */
class Output {
  private parts: string[] = [];
  private units: number[] = [];

  push(codePoint: number): void {
    if (codePoint > 0xffff) {
      const c = codePoint - 0x10000;
      this.units.push(0xd800 | (c >> 10), 0xdc00 | (c & 0x3ff));
    } else {
      this.units.push(codePoint);
    }
    if (this.units.length >= BATCH) this.flush();
  }

  text(): string {
    this.flush();
    return this.parts.join("");
  }

  private flush(): void {
    if (this.units.length === 0) return;
    this.parts.push(String.fromCharCode(...this.units));
    this.units = [];
  }
}
