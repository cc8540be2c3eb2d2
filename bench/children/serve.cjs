// Loads one bundle and serves a workload one request at a time, as an SCF instance does; reports
// the process's peak RSS (and samples along the way) over IPC. Plain CommonJS: no loader in the way.
const { randomUUID } = require("node:crypto");

const file = process.argv[2];
// What a bundle could do for itself at load, where no node flags can be passed.
if (process.env.BENCH_SET_FLAGS) require("node:v8").setFlagsFromString(process.env.BENCH_SET_FLAGS);
const bareRss = process.memoryUsage().rss;
const { main_handler } = require(file);
const loadedRss = process.memoryUsage().rss;

function event(template, i) {
  const requestId = randomUUID();
  const e = { ...template, requestContext: { ...template.requestContext, requestId } };
  if (template.perRequest === "login-code") e.body = JSON.stringify({ code: `bench:${process.pid}-${i}` });
  delete e.perRequest;
  return e;
}

process.once("message", async (work) => {
  const statuses = {};
  const latencies = [];
  let sampledPeak = loadedRss;
  for (let i = 0; i < work.n; i++) {
    const template = work.templates[i % work.templates.length];
    const e = event(template, i);
    const t0 = process.hrtime.bigint();
    const res = await main_handler(e, { request_id: `bench-${i}` });
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (i % 50 === 0) sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }
  const mem = process.memoryUsage();
  process.send(
    {
      bareRss,
      loadedRss,
      endRss: mem.rss,
      sampledPeak: Math.max(sampledPeak, mem.rss),
      maxRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      statuses,
      medianMs: latencies.sort((a, b) => a - b)[Math.floor(latencies.length / 2)],
    },
    () => process.exit(0),
  );
});
