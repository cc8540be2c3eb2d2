/** What the numbers were measured on: they mean little without it. */
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface MachineNotes {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  redis: string;
  os: string;
  date: string;
  loadAverage: string;
}

function redisVersion(binary: string): string {
  try {
    const out = execFileSync(binary, ["--version"], { encoding: "utf8" });
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return "unknown";
  }
}

export function machineNotes(redisBinary: string): MachineNotes {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    redis: redisVersion(redisBinary),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverage: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(" "),
  };
}
