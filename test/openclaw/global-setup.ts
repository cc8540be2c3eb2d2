/** Installs OpenClaw into .cache/openclaw/ when missing (once per run, before any worker starts). */
import "vitest";
import type { TestProject } from "vitest/node";
import { ensureOpenClaw, type OpenClawInstall } from "../../scripts/openclaw/install.js";

declare module "vitest" {
  export interface ProvidedContext {
    openclaw: OpenClawInstall;
  }
}

export async function setup(project: TestProject): Promise<void> {
  project.provide("openclaw", await ensureOpenClaw((line) => console.log(`[openclaw] ${line}`)));
}
