/** The command line of `npm run deploy`, and its help text (which names every option). */
import { parseArgs } from "node:util";

export const OPTIONS = {
  "dry-run": {
    type: "boolean",
    default: false,
    help: "print the whole plan and change nothing; needs no credentials (without them it plans against an empty account)",
  },
  rollback: {
    type: "boolean",
    default: false,
    help: "move each function's alias back to the version before the one it names, and nothing else",
  },
  prune: {
    type: "boolean",
    default: false,
    help: "remove functions and domain rules the manifest no longer names (without it they are listed)",
  },
  "skip-build": { type: "boolean", default: false, help: "use the build output already in --dist" },
  dist: {
    type: "string",
    default: "dist",
    help: "build output folder holding routes.json and one folder per function",
  },
  wait: {
    type: "string",
    default: "300",
    help: "seconds to wait for a function to become Active after a create, update or publish",
  },
  help: { type: "boolean", default: false, help: "print this help" },
} as const;

export interface DeployOptions {
  dryRun: boolean;
  rollback: boolean;
  prune: boolean;
  skipBuild: boolean;
  dist: string;
  waitS: number;
  help: boolean;
}

export class UsageError extends Error {}

export function parseOptions(argv: string[]): DeployOptions {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const waitS = Number(values.wait);
  if (!Number.isInteger(waitS) || waitS < 1) throw new UsageError("--wait takes a whole number of seconds");
  return {
    dryRun: values["dry-run"],
    rollback: values.rollback,
    prune: values.prune,
    skipBuild: values["skip-build"],
    dist: values.dist,
    waitS,
    help: values.help,
  };
}

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [k, { type: v.type, default: v.default }])) as {
      [K in keyof typeof OPTIONS]: { type: (typeof OPTIONS)[K]["type"]; default: (typeof OPTIONS)[K]["default"] };
    },
  });

export function helpText(): string {
  const lines = [
    "npm run deploy -- [options]",
    "",
    "Deploys dist/ to Tencent Cloud SCF through the SCF API: one function per manifest entry, a",
    `version and the alias per deploy, a function URL each, one custom domain (docs/deploy.md).`,
    "",
    "Options:",
  ];
  for (const [name, o] of Object.entries(OPTIONS)) {
    const flag = o.type === "string" ? `--${name} <${name === "wait" ? "seconds" : "dir"}>` : `--${name}`;
    const dflt = o.type === "string" ? ` (default ${o.default})` : "";
    lines.push(`  ${flag.padEnd(20)} ${o.help}${dflt}`);
  }
  lines.push("", "Variables: docs/deploy.md; values are read from the environment and never printed.");
  return lines.join("\n");
}
