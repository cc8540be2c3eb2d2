/**
 * Counts the round trips clients make to a Redis server, from the server's MONITOR feed:
 * each top-level command is one, a MULTI…EXEC block is one, and commands a Lua script runs
 * (source "lua") belong to the script's call.
 */
import { Redis } from "ioredis";

export interface Measured {
  roundTrips: number;
  commands: string[];
}

export interface RoundTripCounter {
  measure(work: () => Promise<unknown>): Promise<Measured>;
  stop(): void;
}

function roundTrips(commands: string[]): number {
  let n = 0;
  let inMulti = false;
  for (const c of commands) {
    if (c === "multi") inMulti = true;
    else if (c === "exec") inMulti = false;
    if (!inMulti) n++;
  }
  return n;
}

export async function countRoundTrips(url: string): Promise<RoundTripCounter> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const probe = new Redis(url);
  let seen: string[] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source !== "lua") seen.push(String(args[0]).toLowerCase());
  });
  // MONITOR lines arrive asynchronously: an ECHO seen in the feed means all before it are in.
  const settle = async () => {
    await probe.echo("settle");
    const deadline = Date.now() + 2000;
    while (!seen.includes("echo") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  return {
    async measure(work) {
      await settle();
      seen = [];
      await work();
      await settle();
      const commands = seen.filter((c) => c !== "echo");
      seen = [];
      return { roundTrips: roundTrips(commands), commands };
    },
    stop() {
      probe.disconnect();
      monitor.disconnect();
      client.disconnect();
    },
  };
}
