import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DIST } from "../../scripts/build.js";
import { MANIFEST_FILE, Manifest, manifest } from "../../scripts/manifest.js";

describe("dist/routes.json", () => {
  it("is written by npm run build and equals the manifest of the current tables", () => {
    const written = Manifest.parse(JSON.parse(readFileSync(path.join(DIST, MANIFEST_FILE), "utf8")));
    expect(written).toEqual(manifest());
  });

  it("lists each function with its routes, its PathMatch rules, kind and entry", () => {
    const byName = new Map(manifest().functions.map((f) => [f.name, f]));
    expect(byName.get("conversations")).toMatchObject({
      kind: "event",
      entry: "index.main_handler",
      pathMatch: ["/api/conversations", "/api/conversations/*"],
      routes: [
        { method: "GET", path: "/api/conversations" },
        { method: "GET", path: "/api/conversations/{id}/messages" },
        { method: "DELETE", path: "/api/conversations/{id}" },
      ],
    });
    expect(byName.get("chat-stream")).toMatchObject({
      kind: "web",
      entry: "scf_bootstrap",
      pathMatch: ["/api/chat/stream"],
    });
    for (const f of byName.values()) {
      expect(f.concurrency, f.name).toBeGreaterThanOrEqual(1);
      if (f.kind === "event") expect(f.concurrency, f.name).toBe(1);
    }
  });
});
