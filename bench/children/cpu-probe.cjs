// Preloaded (node --require) into a server process the bench measures from outside: answers
// each IPC "probe" with the process's own CPU time (all threads, µs) and memory high-water mark.
// It does nothing between probes, so the server runs as it would alone.
process.on("message", (msg) => {
  if (msg?.op !== "probe") return;
  const cpu = process.cpuUsage();
  process.send({
    id: msg.id,
    ok: true,
    result: {
      cpuUs: cpu.user + cpu.system,
      rss: process.memoryUsage.rss(),
      maxRss: process.resourceUsage().maxRSS * 1024,
    },
  });
});
