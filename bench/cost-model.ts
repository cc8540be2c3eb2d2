/**
 * What SCF bills for chat under request multi-concurrency, simulated: Poisson arrivals, a fixed
 * reply time, and instances that take up to `concurrency` requests at once. Per instance, the
 * time during which any of its requests runs is billed once (SCF document 583/123892: with
 * request concurrency on, the stretch where requests overlap is counted once; other billable
 * items are unchanged, so every request is still one invocation).
 *
 * SCF documents only that requests up to the limit go to one instance (583/47183), not which
 * instance a request lands on, so two packings bound the result:
 * - best: a request joins the busiest instance that still has room (instances fill up first);
 * - worst: it joins the least busy of the warm instances the peak needed, spreading the load.
 * One request per instance is the ceiling no packing can pass.
 */

export interface CostInputs {
  usdPerGbs: number;
  usdPer10kInvocations: number;
}

export interface CostCase {
  ratePerS: number;
  replyS: number;
  concurrency: number;
  memoryMB: number;
  packing: "best" | "worst";
  chats: number;
  seed: number;
}

export interface CostResult {
  gbsPerChat: number;
  usdPer1M: number;
  /** Instances in use at the busiest moment (best) or kept warm for the peak (worst). */
  instances: number;
}

/** A small seeded generator (mulberry32), so every run simulates the same arrivals. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function arrivals(c: CostCase): number[] {
  const next = random(c.seed);
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < c.chats; i++) {
    t += -Math.log(1 - next()) / c.ratePerS;
    times.push(t);
  }
  return times;
}

interface Instance {
  /** End times of the requests it is running. */
  running: number[];
  busyUntil: number;
  billedS: number;
}

function add(inst: Instance, start: number, end: number): void {
  inst.running.push(end);
  // Arrivals come in time order, so the union of busy time grows from its right edge.
  if (start >= inst.busyUntil) inst.billedS += end - start;
  else if (end > inst.busyUntil) inst.billedS += end - inst.busyUntil;
  inst.busyUntil = Math.max(inst.busyUntil, end);
}

/** The most requests in flight at once, to size the worst packing's pool. */
function peakInFlight(starts: number[], replyS: number): number {
  let peak = 0;
  let first = 0;
  for (let i = 0; i < starts.length; i++) {
    while ((starts[first] ?? 0) + replyS <= (starts[i] ?? 0)) first++;
    peak = Math.max(peak, i - first + 1);
  }
  return peak;
}

const usd = (gbsPerChat: number, p: CostInputs) => gbsPerChat * 1e6 * p.usdPerGbs + p.usdPer10kInvocations * 100;

export function simulate(c: CostCase, prices: CostInputs): CostResult {
  const starts = arrivals(c);
  if (c.concurrency === 1) {
    // Nothing overlaps: every request is billed whole, on an instance of its own.
    const gbsPerChat = (c.memoryMB / 1024) * c.replyS;
    return { gbsPerChat, usdPer1M: usd(gbsPerChat, prices), instances: peakInFlight(starts, c.replyS) };
  }
  const instances: Instance[] = [];
  let maxInUse = 0;
  const pool =
    c.packing === "worst"
      ? Array.from({ length: Math.ceil(peakInFlight(starts, c.replyS) / c.concurrency) }, () => ({
          running: [],
          busyUntil: 0,
          billedS: 0,
        }))
      : [];
  instances.push(...pool);
  for (const start of starts) {
    const end = start + c.replyS;
    for (const inst of instances) inst.running = inst.running.filter((e) => e > start);
    const open = instances.filter((i) => i.running.length < c.concurrency);
    let target: Instance | undefined;
    if (c.packing === "best") {
      target = open.reduce<Instance | undefined>(
        (a, b) => (!a || b.running.length > a.running.length ? b : a),
        undefined,
      );
    } else {
      target = open.reduce<Instance | undefined>(
        (a, b) => (!a || b.running.length < a.running.length ? b : a),
        undefined,
      );
    }
    if (!target) {
      target = { running: [], busyUntil: 0, billedS: 0 };
      instances.push(target);
    }
    add(target, start, end);
    maxInUse = Math.max(maxInUse, instances.filter((i) => i.running.length > 0).length);
  }
  const billedS = instances.reduce((sum, i) => sum + i.billedS, 0);
  const gbs = (c.memoryMB / 1024) * billedS;
  const gbsPerChat = gbs / c.chats;
  return {
    gbsPerChat,
    usdPer1M: usd(gbsPerChat, prices),
    instances: c.packing === "worst" ? instances.length : maxInUse,
  };
}
