/** The code package: a function's folder zipped the same way every time, modes kept. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageFolder, sameCode } from "../../scripts/deploy/zip.js";
import { readZip } from "../../scripts/standins/zip-entries.js";

const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "wxclaw-zip-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "server.js"), "require('http').createServer().listen(9000)\n");
  writeFileSync(path.join(dir, "scf_bootstrap"), "#!/bin/bash\nexec node server.js\n");
  chmodSync(path.join(dir, "scf_bootstrap"), 0o755);
  mkdirSync(path.join(dir, "lib"));
  writeFileSync(path.join(dir, "lib", "a.js"), "module.exports = 1\n");
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("code package", () => {
  it("keeps scf_bootstrap executable and other files not, as read back from the zip", async () => {
    const pkg = await packageFolder(folder());
    const entries = await readZip(pkg.zip);
    const modes = Object.fromEntries(entries.map((e) => [e.name, e.mode]));
    expect(modes).toEqual({ "lib/a.js": 0o100644, scf_bootstrap: 0o100755, "server.js": 0o100644 });
    expect(entries.find((e) => e.name === "scf_bootstrap")?.data.toString()).toContain("exec node server.js");
  });

  it("gives the same bytes for the same files, whatever their timestamps; other bytes when a file changes", async () => {
    const a = folder();
    const b = folder();
    utimesSync(path.join(b, "server.js"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const [pa, pb] = [await packageFolder(a), await packageFolder(b)];
    expect(pa.sha256).toBe(pb.sha256);
    writeFileSync(path.join(b, "lib", "a.js"), "module.exports = 2\n");
    expect((await packageFolder(b)).sha256).not.toBe(pa.sha256);
  });

  it("matches the CodeSha256 SCF reports, hex or base64", async () => {
    const pkg = await packageFolder(folder());
    expect(sameCode(pkg, pkg.sha256)).toBe(true);
    expect(sameCode(pkg, pkg.sha256.toUpperCase())).toBe(true);
    expect(sameCode(pkg, Buffer.from(pkg.sha256, "hex").toString("base64"))).toBe(true);
    expect(sameCode(pkg, "0".repeat(64))).toBe(false);
    expect(sameCode(pkg, undefined)).toBe(false);
  });
});
