import { describe, expect, it } from "vitest";
import { clientAddress } from "../../../shared/http/client-address.js";

const of = (value?: string) => clientAddress(value === undefined ? {} : { "x-scf-remote-addr": value });

describe("client address from x-scf-remote-addr", () => {
  it("keeps a public IPv4 address and drops its port", () => {
    expect(of("198.51.100.4")).toEqual({ bucket: "198.51.100.4" });
    expect(of(" 198.51.100.4:61000 ")).toEqual({ bucket: "198.51.100.4" });
  });

  it("counts IPv6 by its /64, in any spelling, with or without brackets and port", () => {
    const forms = ["2001:db8:0:7::1", "2001:0db8:0000:0007:0000:0000:0000:0001", "[2001:db8:0:7:a:b:c:d]:443"];
    for (const f of forms) expect(of(f)).toEqual({ bucket: "2001:db8:0:7::/64" });
  });

  it("reads an IPv4-mapped IPv6 address as the IPv4 one", () => {
    expect(of("::ffff:198.51.100.9")).toEqual({ bucket: "198.51.100.9" });
    expect(of("::ffff:c633:6409")).toEqual({ bucket: "198.51.100.9" });
  });

  it("marks loopback, private, link-local and carrier-NAT addresses as not a client's", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.0.1",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
    ]) {
      expect(of(a).note, a).toBe("not-public");
    }
  });

  it("sends a missing, empty, listed or unreadable address to the one shared bucket", () => {
    expect(of()).toEqual({ bucket: "unknown", note: "missing" });
    expect(of("")).toEqual({ bucket: "unknown", note: "missing" });
    for (const bad of ["1.2.3.4, 5.6.7.8", "localhost", "999.1.1.1", "1.2.3", "2001:db8::1::2", "x".repeat(100)]) {
      expect(of(bad), bad).toEqual({ bucket: "unknown", note: "unreadable" });
    }
  });
});
