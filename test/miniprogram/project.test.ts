/**
 * The Mini Program as WeChat DevTools sees it: a project that opens, and code that still runs
 * once each .ts file is compiled on its own, which is how the DevTools TypeScript plugin builds
 * it: only files inside miniprogramRoot exist at runtime, so no runtime import may leave it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { transform } from "esbuild";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { API_BASE_URL } from "../../miniprogram/config";
import { ROOT } from "../../scripts/build.js";
import { JsonObject, parseAs } from "../support/json.js";

const MP = path.join(ROOT, "miniprogram");
const json = <S extends z.ZodMiniType>(file: string, schema: S): z.output<S> =>
  parseAs(schema, readFileSync(path.join(MP, file), "utf8"));

/** The fields of DevTools' project.config.json that these checks read. */
const ProjectConfig = z.object({
  compileType: z.string(),
  miniprogramRoot: z.string(),
  appid: z.string(),
  setting: z.object({ useCompilerPlugins: z.optional(z.unknown()) }),
});
const AppJson = z.object({ pages: z.array(z.string()), sitemapLocation: z.string() });

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The modules a file requires once compiled alone, keeping every import not written `import type`. */
async function runtimeImports(file: string): Promise<string[]> {
  const { code } = await transform(readFileSync(file, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "es2020",
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  return [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? "");
}

describe("the Mini Program project", () => {
  it("opens in DevTools as a TypeScript project with a documented placeholder appid", () => {
    const project = json("project.config.json", ProjectConfig);
    expect(project.compileType).toBe("miniprogram");
    expect(existsSync(path.join(MP, project.miniprogramRoot, "app.json"))).toBe(true);
    expect(project.appid).toBe("touristappid");
    expect(project.setting.useCompilerPlugins).toEqual(["typescript"]);
    const readmes = ["README.md", "miniprogram/README.md"].map((f) => path.join(ROOT, f)).filter((f) => existsSync(f));
    const named = readmes.some((f) => readFileSync(f, "utf8").includes("touristappid"));
    expect(named, "a README names the appid").toBe(true);
  });

  it("keeps DevTools' per-developer settings out of git: project.private.config.json is ignored", () => {
    const file = path.join(MP, "project.private.config.json");
    // Exit code 0 and the path echoed: ignored. (1 would mean not ignored, and throw.)
    const ignored = execFileSync("git", ["check-ignore", path.relative(ROOT, file)], { cwd: ROOT, encoding: "utf8" });
    expect(ignored.trim()).toBe("miniprogram/project.private.config.json");
    const tracked = execFileSync("git", ["ls-files", "--", "miniprogram"], { cwd: ROOT, encoding: "utf8" });
    expect(tracked.split("\n")).not.toContain("miniprogram/project.private.config.json");
  });

  it("has every file app.json names: each page's .ts, .wxml, .wxss and .json, and the sitemap", () => {
    const app = json("app.json", AppJson);
    expect(app.pages.length).toBeGreaterThan(0);
    for (const page of app.pages) {
      for (const ext of [".ts", ".wxml", ".wxss", ".json"]) {
        expect(existsSync(path.join(MP, page + ext)), page + ext).toBe(true);
      }
    }
    expect(json(app.sitemapLocation, JsonObject)).toHaveProperty("rules");
    expect(existsSync(path.join(MP, "app.ts"))).toBe(true);
  });

  it("binds in WXML only handlers each page defines, and renders the data it has", () => {
    const rendered: Record<string, string[]> = {
      "pages/chat/chat": ["messages", "draft", "sending", "streamingId", "lastId", "loading", "item.streaming"],
      "pages/conversations/conversations": [
        "conversations",
        "loading",
        "loaded",
        "deleting",
        "item.title",
        "item.updated",
      ],
    };
    const app = json("app.json", AppJson);
    expect(app.pages).toEqual(Object.keys(rendered));
    for (const page of app.pages) {
      const wxml = readFileSync(path.join(MP, `${page}.wxml`), "utf8");
      const source = readFileSync(path.join(MP, path.dirname(page), "controller.ts"), "utf8");
      const handlers = [...wxml.matchAll(/\b(?:bind|catch):?\w+="(\w+)"/g)].map((m) => m[1] ?? "");
      expect(handlers.length, page).toBeGreaterThan(0);
      for (const h of handlers) expect(source, `${page}: ${h}`).toMatch(new RegExp(`\\b${h}\\(this: \\w+View`));
      for (const field of rendered[page] ?? []) expect(wxml, `${page}: ${field}`).toContain(field);
    }
  });

  it("sends requests only to an HTTPS domain, as WeChat requires of a release", () => {
    const url = new URL(API_BASE_URL);
    expect(url.protocol).toBe("https:");
    expect(isIP(url.hostname.replace(/^\[|\]$/g, ""))).toBe(0);
    expect(url.hostname).not.toBe("localhost");
    expect(url.pathname).toBe("/");
    expect(API_BASE_URL.endsWith("/")).toBe(false);
  });

  it("keeps every runtime import inside miniprogram/: the backend's types are imported as types only", async () => {
    const files = tsFiles(MP);
    expect(files.length).toBeGreaterThan(5);
    let typeOnlyShared = 0;
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      if (/import type [^;]+ from "(\.\.\/)+shared\//.test(source)) typeOnlyShared++;
      for (const spec of await runtimeImports(file)) {
        const where = path.relative(ROOT, file);
        expect(spec.startsWith("."), `${where} requires the package ${spec}, which DevTools would not ship`).toBe(true);
        const target = path.resolve(path.dirname(file), spec);
        expect(path.relative(MP, target).startsWith(".."), `${where} requires ${spec} outside miniprogram/`).toBe(
          false,
        );
        expect(existsSync(`${target}.ts`), `${where} requires ${spec}, which is not a module`).toBe(true);
      }
    }
    // The check above would pass vacuously if nothing imported the backend's types at all.
    expect(typeOnlyShared).toBeGreaterThan(0);
  });

  it("ships nothing of zod: the compiled client mentions neither zod nor the backend's folders", async () => {
    for (const file of tsFiles(MP)) {
      const { code } = await transform(readFileSync(file, "utf8"), { loader: "ts", format: "cjs" });
      expect(code, path.relative(ROOT, file)).not.toMatch(/zod|shared\//);
    }
  });
});
