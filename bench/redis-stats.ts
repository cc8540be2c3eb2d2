/**
 * Redis commands per request, from the server's own statistics (INFO commandstats after CONFIG
 * RESETSTAT). Redis 7 counts the commands a script runs and those queued in MULTI as calls too,
 * so the round trips are taken from the server's MONITOR feed alongside: a script call, a
 * MULTI…EXEC block or a standalone command is one each. On a cluster, every node is counted.
 */
import { Redis } from "ioredis";
import { countRoundTrips } from "../test/support/round-trips.js";

/** Commands the measurement itself sends. */
const OURS = new Set(["config", "info", "echo", "monitor", "ping", "client", "select"]);

function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m?.[1] && !OURS.has(m[1].split("|")[0] ?? "")) calls.set(m[1], Number(m[2]));
  }
  return calls;
}

export interface CommandCount {
  requests: number;
  /** Round trips per request (MONITOR: top-level commands, a MULTI…EXEC block counted once). */
  roundTrips: number;
  /** Top-level commands as the client sent them, for one request. */
  sent: string[];
  /** Every command the server executed (scripts' and MULTI's included), per request. */
  executed: Array<{ command: string; perRequest: number }>;
}

/** Counts on one server, or summed over the nodes of a cluster (each node's URL given). */
export async function commandCounter(urls: string | string[]) {
  const list = Array.isArray(urls) ? urls : [urls];
  const admins = list.map((url) => new Redis(url));
  const monitor = await countRoundTrips(list);
  return {
    async count(requests: number, work: () => Promise<unknown>): Promise<CommandCount> {
      await Promise.all(admins.map((a) => a.config("RESETSTAT")));
      const measured = await monitor.measure(work);
      const stats = new Map<string, number>();
      for (const a of admins) {
        for (const [command, calls] of parseCommandStats(await a.info("commandstats"))) {
          stats.set(command, (stats.get(command) ?? 0) + calls);
        }
      }
      const executed = [...stats]
        .map(([command, calls]) => ({ command, perRequest: calls / requests }))
        .sort((a, b) => b.perRequest - a.perRequest || a.command.localeCompare(b.command));
      return {
        requests,
        roundTrips: measured.roundTrips / requests,
        sent: measured.commands.slice(0, Math.round(measured.commands.length / requests)),
        executed,
      };
    },
    stop() {
      monitor.stop();
      for (const a of admins) a.disconnect();
    },
  };
}
