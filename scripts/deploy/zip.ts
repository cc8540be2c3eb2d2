/**
 * A function's code package: its dist/<name>/ folder as a zip, the same bytes for the same files
 * (sorted entries, one fixed timestamp), so the package's SHA-256 tells whether the code changed.
 * Unix mode bits travel in each entry: SCF runs a Web function's `scf_bootstrap` as a program,
 * so it must stay executable inside the zip.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ZipFile } from "yazl";

/** 1980-01-01, the first date a zip entry can carry: no build time leaks into the package. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export interface CodePackage {
  zip: Buffer;
  /** Hex SHA-256 of the zip. */
  sha256: string;
  files: string[];
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) out.push(...listFiles(full, rel));
    else out.push(rel);
  }
  return out;
}

/** Zips every file under `dir`, keeping each file's executable bit (0755, else 0644). */
export async function packageFolder(dir: string): Promise<CodePackage> {
  const files = listFiles(dir);
  const zip = new ZipFile();
  for (const rel of files) {
    const full = path.join(dir, rel);
    const executable = (statSync(full).mode & 0o111) !== 0;
    zip.addBuffer(readFileSync(full), rel, {
      mtime: FIXED_MTIME,
      mode: (executable ? 0o755 : 0o644) | 0o100000,
      compress: true,
      compressionLevel: 9,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  return { zip: bytes, sha256: createHash("sha256").update(bytes).digest("hex"), files };
}

/**
 * Whether `reported` (GetFunctionAddress's CodeSha256) names this package. The API documents the
 * field only as the code's SHA-256, not its encoding, so hex and base64 both count.
 */
export function sameCode(pkg: CodePackage, reported: string | undefined): boolean {
  if (!reported) return false;
  const hex = pkg.sha256;
  return reported.toLowerCase() === hex || reported === Buffer.from(hex, "hex").toString("base64");
}
