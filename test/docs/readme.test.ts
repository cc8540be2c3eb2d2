import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FUNCTION_NAMES } from "../../shared/functions.js";
import { CHECK_ORDER } from "../../shared/http/pipeline.js";
import { routes } from "../../shared/routes.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = "README.md";
const DOCS = readdirSync(path.join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);
const PAGES = [README, ...DOCS, "miniprogram/README.md"];

const FENCE = /^```[^\n]*\n([\s\S]*?)^```$/gm;

/** The text outside fenced code blocks and inline code, where markdown links live. */
function prose(text: string): string {
  return text.replace(FENCE, "").replace(/`[^`\n]*`/g, "");
}

/** Fenced code blocks, in order. */
function fences(text: string): string[] {
  return [...text.matchAll(FENCE)].map((m) => m[1] ?? "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const headings = [
    ...read(file)
      .replace(FENCE, "")
      .matchAll(/^#{1,6} (.+)$/gm),
  ];
  return new Set(headings.map((m) => slug(m[1] ?? "")));
}

/** `npm …` commands, without the arguments passed on after `--`. */
function npmCommands(lines: string): string[] {
  return lines
    .split(/\n|&&/)
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l.startsWith("npm "))
    .map((l) => l.split(" -- ")[0]?.trim() ?? l);
}

const ciCommands = () => npmCommands(read(".ci/run"));

describe("README.md", () => {
  const readme = read(README);
  const lines = readme.split("\n");

  it("is at most 200 lines", () => {
    expect(lines.length).toBeLessThanOrEqual(200);
  });

  it("shows the set-up, dev, test and deploy commands on its first screen (40 lines)", () => {
    const firstScreen = lines.slice(0, 40).join("\n");
    for (const command of ["npm run setup:redis", "npm ci", "npm run dev", "npm test", "npm run deploy"]) {
      expect(firstScreen, command).toContain(command);
    }
  });

  it("gives the set-up and test commands exactly as .ci/run runs them, in the same order", () => {
    const quickStart = npmCommands(fences(readme)[1] ?? "");
    const setupAndTest = quickStart.filter((c) => /^npm (ci|test|run setup:|run test)/.test(c));
    expect(setupAndTest).toEqual(["npm run setup:redis", "npm ci", "npm test"]);
    const ci = ciCommands();
    expect(setupAndTest.every((c) => ci.includes(c))).toBe(true);
    expect(setupAndTest).toEqual(ci.filter((c) => setupAndTest.includes(c)));
  });

  it("lists what .ci/run runs, command for command", () => {
    const intro = readme.indexOf("runs `.ci/run`");
    expect(intro).toBeGreaterThan(0);
    const block = fences(readme.slice(intro))[0] ?? "";
    expect(npmCommands(block)).toEqual(ciCommands());
    expect(ciCommands()).toEqual(
      expect.arrayContaining(["npm run setup:redis", "npm ci", "npm test", "npm run test:cluster"]),
    );
  });

  it("names every SCF function of shared/functions.ts in its diagram", () => {
    const diagram = fences(readme)[0] ?? "";
    for (const name of FUNCTION_NAMES) expect(diagram, name).toMatch(new RegExp(`(^|[\\s,])${name}(,|\\s|$)`, "m"));
  });
});

describe("links in the READMEs and docs/*.md", () => {
  for (const page of PAGES) {
    it(`${page}: every relative link points at an existing file (and heading)`, () => {
      const links = [...prose(read(page)).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
      const broken: string[] = [];
      for (const link of links) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
        const [target = "", anchor] = link.split("#");
        const file = target === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
        if (!existsSync(path.join(ROOT, file))) {
          broken.push(link);
          continue;
        }
        if (anchor && file.endsWith(".md") && !anchorsOf(file).has(anchor)) broken.push(link);
      }
      expect(broken).toEqual([]);
    });
  }
});

describe("tables in README.md and docs/*.md", () => {
  it("exist once: no table row appears on two pages", () => {
    const seen = new Map<string, string>();
    const repeated: string[] = [];
    for (const page of PAGES) {
      const rows = read(page)
        .split("\n")
        .filter((l) => /^\|.*\|$/.test(l.trim()) && !/^\|[\s|:-]+\|$/.test(l.trim()))
        .map((l) =>
          l
            .trim()
            .split("|")
            .map((c) => c.trim())
            .join("|"),
        );
      for (const row of new Set(rows)) {
        const first = seen.get(row);
        if (first && first !== page) repeated.push(`${row} (${first}, ${page})`);
        seen.set(row, first ?? page);
      }
    }
    expect(repeated).toEqual([]);
  });
});

describe("docs/architecture.md", () => {
  it("quotes the order of checks exactly as CHECK_ORDER states it", () => {
    const text = read("docs/architecture.md");
    const section = text.slice(text.indexOf("## The order of checks"));
    const items = [...section.slice(0, section.indexOf("\n## ", 1)).matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]);
    expect(items).toEqual([...CHECK_ORDER]);
  });

  it("names, in its table of a route's record, every field a route record uses", () => {
    const text = read("docs/architecture.md");
    const section = text.slice(text.indexOf("## A route's record"), text.indexOf("### Adding a route"));
    const firstCells = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1] ?? "");
    // A cell names a field as `name` or `name: value`.
    const documented = new Set(
      firstCells.flatMap((cell) => [...cell.matchAll(/`(\w+)(?::[^`]*)?`/g)].map((m) => m[1])),
    );
    const used = new Set(Object.values(routes).flatMap((r) => Object.keys(r)));
    for (const field of used) expect(documented, `${field} is not in the table`).toContain(field);
  });
});
