// Loads one bundle in a fresh process and reports how long `require` took, nothing else. A Web
// function's server.js starts listening as it loads (PORT=0 here); the process then just exits.
const file = process.argv[2];
const t0 = process.hrtime.bigint();
const mod = require(file);
const requireMs = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(
  `\n${JSON.stringify({
    requireMs,
    exportsHandler: typeof mod.main_handler === "function",
    rss: process.memoryUsage().rss,
    maxRssKiB: process.resourceUsage().maxRSS,
  })}\n`,
  () => process.exit(0),
);
