/** Reads a zip back (yauzl): each entry's name, unix mode bits and bytes. */
import type { Readable } from "node:stream";
import { type Entry, fromBuffer, type ZipFile } from "yauzl";

export interface ZipEntry {
  name: string;
  /** Unix mode bits (file type and permissions), from the entry's external attributes. */
  mode: number;
  data: Buffer;
}

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function readZip(buffer: Buffer): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (err: Error | null, zip: ZipFile) => {
      if (err) return reject(err);
      const entries: ZipEntry[] = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: Entry) => {
        zip.openReadStream(entry, (e: Error | null, stream: Readable) => {
          if (e) return reject(e);
          bytes(stream).then((data) => {
            entries.push({ name: entry.fileName, mode: (entry.externalFileAttributes >>> 16) & 0o177777, data });
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}
