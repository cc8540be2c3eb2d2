/**
 * The client's address, for the per-IP login limit. Only the platform's `x-scf-remote-addr`
 * counts (CONTRACT §3): SCF sets it and replaces any copy the client sent, while
 * `X-Forwarded-For`, `X-Real-IP`, `Forwarded` and `requestContext.sourceIp` are whatever the
 * client (or a proxy it controls) wrote, so reading them would let a client pick its own bucket.
 *
 * The header is normalised so that one client cannot spread itself over many buckets: a port is
 * dropped, an IPv4-mapped IPv6 address is its IPv4 address, and an IPv6 address counts by its
 * /64 (the prefix one subscriber line is given; the rest it can vary at will).
 */
import { isIPv4, isIPv6 } from "node:net";

export const REMOTE_ADDR_HEADER = "x-scf-remote-addr";

/**
 * Where the login limiter counts a request whose address is missing or unreadable: all such
 * requests share this one bucket, so that removing or garbling the header never earns a fresh
 * allowance. If the platform ever stopped sending the header, login would be limited as a whole,
 * which shows in the logs (`clientAddress: "unknown"`) rather than failing open.
 */
export const UNKNOWN_CLIENT = "unknown";

export interface ClientAddress {
  /** The limiter's bucket: an IPv4 address, an IPv6 /64 (`2001:db8:1:2::/64`), or "unknown". */
  bucket: string;
  /** Why the bucket is "unknown", or that the address is not a public one, for the operator. */
  note?: "missing" | "unreadable" | "not-public";
}

/** Strips a port: `1.2.3.4:5678`, `[2001:db8::1]:443`. A bare IPv6 address keeps its colons. */
function withoutPort(raw: string): string {
  const v = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(v);
  if (bracketed) return bracketed[1] as string;
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(v);
  if (v4port) return v4port[1] as string;
  return v;
}

function expandIPv6(addr: string): number[] | undefined {
  const zoneless = addr.split("%")[0] as string;
  let tail: number[] = [];
  let text = zoneless;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const o = (v4[1] as string).split(".").map(Number) as [number, number, number, number];
    tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    text = text.slice(0, -(v4[1] as string).length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  const right = [...parse(rest ?? ""), ...tail];
  const fill = 8 - left.length - right.length;
  if (rest === undefined && fill !== 0) return undefined;
  const groups = [...left, ...new Array<number>(Math.max(0, fill)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Loopback, private, link-local, CGNAT and the like: not where a Mini Program user sits. */
function isPublicIPv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  return true;
}

function isPublicIPv6(groups: readonly number[]): boolean {
  const first = groups[0] as number;
  if (groups.every((g, i) => g === (i === 7 ? 1 : 0))) return false; // ::1
  if ((first & 0xfe00) === 0xfc00) return false; // unique local
  if ((first & 0xffc0) === 0xfe80) return false; // link-local
  return (first & 0xe000) === 0x2000; // global unicast
}

export function clientAddress(headers: Readonly<Record<string, string>>): ClientAddress {
  const raw = headers[REMOTE_ADDR_HEADER];
  if (raw === undefined || raw.trim() === "") return { bucket: UNKNOWN_CLIENT, note: "missing" };
  // A list would mean someone upstream appended to it; no entry of it can be trusted more than another.
  if (raw.length > 64 || raw.includes(",")) return { bucket: UNKNOWN_CLIENT, note: "unreadable" };
  const addr = withoutPort(raw);
  if (isIPv4(addr)) return isPublicIPv4(addr) ? { bucket: addr } : { bucket: addr, note: "not-public" };
  if (!isIPv6(addr)) return { bucket: UNKNOWN_CLIENT, note: "unreadable" };
  const groups = expandIPv6(addr);
  if (!groups) return { bucket: UNKNOWN_CLIENT, note: "unreadable" };
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const v4 = [
      (groups[6] as number) >> 8,
      (groups[6] as number) & 255,
      (groups[7] as number) >> 8,
      (groups[7] as number) & 255,
    ].join(".");
    return isPublicIPv4(v4) ? { bucket: v4 } : { bucket: v4, note: "not-public" };
  }
  const bucket = `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
  return isPublicIPv6(groups) ? { bucket } : { bucket, note: "not-public" };
}
