/**
 * Memory of one chat Web function process with N turns in flight: a fresh server per level, the
 * upstream holding every turn for seconds and answering a few KB, several waves of N at once.
 * Peak RSS is the kernel's high-water mark of that process. It runs on the SCF runtime's Node
 * (18.15) where the registry provides it; SCF's own accounting of an instance's memory is not
 * visible from here, so the result is an estimate.
 */
import http from "node:http";
import { postChat, startServer } from "./web-path.js";

export const IN_FLIGHT_LEVELS = [1, 10, 25, 50, 100] as const;
/** SCF memory classes considered for the chat function, MB. */
export const MEMORY_CLASSES_MB = [64, 128, 256, 512] as const;
/** Memory left free over the measured peak: the instance restarts (error 434) when it runs out. */
export const MARGIN = 0.25;

export interface MemoryPoint {
  inFlight: number;
  /** RSS once listening, before any request. */
  idleRss: number;
  peakRss: number;
  statuses: Record<string, number>;
}

export async function measureMemory(opts: {
  serverFile: string;
  nodeBin: string;
  env: Record<string, string>;
  tokens: string[];
  waves: number;
  levels?: readonly number[];
}): Promise<MemoryPoint[]> {
  const points: MemoryPoint[] = [];
  for (const n of opts.levels ?? IN_FLIGHT_LEVELS) {
    const server = await startServer(opts.serverFile, opts.env, opts.nodeBin);
    const agent = new http.Agent({ keepAlive: true, maxSockets: n });
    const statuses: Record<string, number> = {};
    try {
      const idle = await server.probe();
      for (let w = 0; w < opts.waves; w++) {
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            postChat(server.url, agent, {
              token: opts.tokens[i % opts.tokens.length] ?? "",
              conversationId: null,
              message: `turn ${w}-${i}: what is the weather like on the moon?`,
            }),
          ),
        );
        for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
      const end = await server.probe();
      points.push({ inFlight: n, idleRss: idle.rss, peakRss: end.maxRss, statuses });
    } finally {
      agent.destroy();
      server.stop();
    }
  }
  return points;
}

/** The smallest memory class whose size keeps MARGIN free over `peakRss`. */
export function memoryClassFor(peakRss: number): number | undefined {
  return MEMORY_CLASSES_MB.find((mb) => peakRss * (1 + MARGIN) <= mb * 1024 * 1024);
}

const allServed = (p: MemoryPoint) => Object.keys(p.statuses).every((code) => code === "200");

/**
 * The default concurrency and memory class: the highest level measured that answered every turn
 * and whose peak fits 128 MB with the margin (the class every function deploys with today), else
 * the class the highest such level needs. Cost per busy second is memory ÷ concurrency, so a
 * fuller 128 MB instance wins.
 */
export function chooseSetting(all: MemoryPoint[]): { concurrency: number; memoryMB: number } {
  const points = all.filter(allServed);
  const fits128 = points.filter((p) => (memoryClassFor(p.peakRss) ?? Number.POSITIVE_INFINITY) <= 128);
  const best = fits128.at(-1);
  if (best) return { concurrency: best.inFlight, memoryMB: 128 };
  const top = points.at(-1);
  return { concurrency: top?.inFlight ?? 1, memoryMB: (top && memoryClassFor(top.peakRss)) ?? 512 };
}
