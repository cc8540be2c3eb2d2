/**
 * Preloaded (NODE_OPTIONS=--require) into miniprogram-ci and every process it forks: no
 * connection may leave the machine. Each attempt is written to the file NO_NETWORK_LOG names
 * (one line: the process and the URL or host it wanted) and fails as an unreachable host does.
 */
const dns = require("node:dns");
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const net = require("node:net");

const logFile = process.env.NO_NETWORK_LOG;
const record = (what) => {
  if (logFile) fs.appendFileSync(logFile, `${process.pid} ${what}\n`);
};
const local = (host) => host === "localhost" || host === "127.0.0.1" || host === "::1";

for (const [scheme, mod] of [
  ["http", http],
  ["https", https],
]) {
  for (const name of ["request", "get"]) {
    const original = mod[name];
    mod[name] = function guarded(...args) {
      const first = args[0];
      if (typeof first === "string" || first instanceof URL) {
        const url = new URL(first);
        if (!local(url.hostname)) record(`${url.protocol}//${url.host}${url.pathname}`);
      } else if (first && typeof first === "object") {
        const host = first.hostname || first.host || "";
        const pathname = String(first.path || "").split("?")[0];
        if (!local(String(host).replace(/:\d+$/, ""))) record(`${scheme}://${host}${pathname}`);
      }
      return original.apply(this, args);
    };
  }
}

const unreachable = (hostname) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (local(hostname)) return lookup.call(this, hostname, options, callback);
  record(`lookup ${hostname}`);
  const cb = typeof options === "function" ? options : callback;
  process.nextTick(() => cb(unreachable(hostname)));
  return {};
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async (hostname, options) => {
  if (local(hostname)) return lookupPromise(hostname, options);
  record(`lookup ${hostname}`);
  throw unreachable(hostname);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const options = typeof args[0] === "object" && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  const host = options.host;
  if (options.path === undefined && typeof host === "string" && net.isIP(host) !== 0 && !local(host)) {
    record(`connect ${host}:${options.port}`);
    process.nextTick(() =>
      this.destroy(Object.assign(new Error(`connect ENETUNREACH ${host}`), { code: "ENETUNREACH" })),
    );
    return this;
  }
  return connect.apply(this, args);
};
