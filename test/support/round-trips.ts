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

/** One node's feed: the commands it saw, and a probe to know the feed has caught up. */
async function watch(url: string) {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const probe = new Redis(url);
  const feed = { seen: [] as string[] };
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source !== "lua") feed.seen.push(String(args[0]).toLowerCase());
  });
  // MONITOR lines arrive asynchronously: an ECHO seen in the feed means all before it are in.
  const settle = async () => {
    await probe.echo("settle");
    const deadline = Date.now() + 2000;
    while (!feed.seen.includes("echo") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  const stop = () => {
    probe.disconnect();
    monitor.disconnect();
    client.disconnect();
  };
  return { feed, settle, stop };
}

/** Counts on one server, or on every node of a cluster (each node's feed counted alone, then summed). */
export async function countRoundTrips(urls: string | string[]): Promise<RoundTripCounter> {
  const nodes = await Promise.all((Array.isArray(urls) ? urls : [urls]).map(watch));
  return {
    async measure(work) {
      await Promise.all(nodes.map((n) => n.settle()));
      for (const n of nodes) n.feed.seen = [];
      await work();
      await Promise.all(nodes.map((n) => n.settle()));
      let total = 0;
      const commands: string[] = [];
      for (const n of nodes) {
        const mine = n.feed.seen.filter((c) => c !== "echo");
        n.feed.seen = [];
        total += roundTrips(mine);
        commands.push(...mine);
      }
      return { roundTrips: total, commands };
    },
    stop() {
      for (const n of nodes) n.stop();
    },
  };
}
