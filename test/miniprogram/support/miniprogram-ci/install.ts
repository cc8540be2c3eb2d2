/**
 * miniprogram-ci, WeChat's DevTools compiler as an npm package, installed on first use into
 * .cache/ rather than as a devDependency: it brings 1,086 packages (about 275 MB) for this one
 * check. The version is pinned here; a later run reuses the install.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../../../scripts/build.js";

export const MINIPROGRAM_CI_VERSION = "2.1.42";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function installedVersion(dir: string): string | undefined {
  try {
    const manifest: unknown = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    return isRecord(manifest) && typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** The installed package's folder (what `require` takes), installing it first if needed. */
export function ensureMiniprogramCi(): string {
  const prefix = path.join(ROOT, ".cache", `miniprogram-ci-${MINIPROGRAM_CI_VERSION}`);
  const dir = path.join(prefix, "node_modules", "miniprogram-ci");
  // The marker is written last: a half-finished install is not taken for a whole one.
  const marker = path.join(prefix, "installed");
  if (existsSync(marker) && installedVersion(dir) === MINIPROGRAM_CI_VERSION) return dir;

  const staging = `${prefix}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, "package.json"), '{ "private": true }\n');
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      staging,
      "--save-exact",
      // Its dependencies' install scripts are not needed to compile (native add-ons it can do without).
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      `miniprogram-ci@${MINIPROGRAM_CI_VERSION}`,
    ],
    { cwd: staging, stdio: ["ignore", "ignore", "inherit"] },
  );
  rmSync(prefix, { recursive: true, force: true });
  renameSync(staging, prefix);
  writeFileSync(marker, `${MINIPROGRAM_CI_VERSION}\n`);
  return dir;
}
