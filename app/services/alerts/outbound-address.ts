// Which resolved addresses an alert may be sent to (pure: no DNS, no sockets). Anything that is
// not plain public unicast is refused: loopback, RFC 1918 private, link-local (and so the cloud
// metadata endpoints 169.254.169.254 / fd00:ec2::254), unique-local, CGNAT 100.64/10, multicast,
// unspecified, broadcast and the reserved/documentation blocks. IPv6 forms that carry an IPv4
// address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, SIIT ::ffff:0:a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address inside: without that,
// [::ffff:127.0.0.1] would reach loopback through an "IPv6" address. The classes come from
// ipaddr.js's range() tables, not hand-written CIDRs.
import ipaddr from "ipaddr.js";

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

/** Metadata services that sit inside refused classes anyway; named so the reason says so. */
const METADATA = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254"]);

/** Classifies one IP literal (as dns.lookup or a URL returns it; brackets allowed). */
export function classifyAddress(literal: string): AddressVerdict {
  const text = literal.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(text)) return { allowed: false, range: "invalid" };
  // parse() accepts legacy IPv4 forms (0x7f.1, 017700000001); isValid above already gated them.
  const addr = ipaddr.parse(text.replace(/%.*$/, ""));
  if (text.includes("%")) return { allowed: false, range: "scoped" }; // fe80::1%eth0: a link-local zone
  const v4 = embeddedIPv4(addr);
  if (v4) return classifyAddress(v4.toString());
  if (METADATA.has(addr.toNormalizedString()) || METADATA.has(addr.toString())) return { allowed: false, range: "metadata" };
  const range = addr.range();
  return range === "unicast" ? { allowed: true } : { allowed: false, range };
}

/** The IPv4 address an IPv6 transition form carries, or null for native IPv6 / IPv4 input. */
function embeddedIPv4(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | null {
  if (addr.kind() !== "ipv6") return null;
  const v6 = addr as ipaddr.IPv6;
  const p = v6.parts;
  const low32 = () => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  const range = v6.range();
  if (range === "ipv4Mapped" || range === "rfc6145") return low32();
  // NAT64 well-known prefix 64:ff9b::/96 (the local-use 64:ff9b:1::/48 stays refused as rfc6052).
  if (range === "rfc6052" && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return low32();
  if (range === "6to4") return new ipaddr.IPv4([p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff]);
  // IPv4-compatible ::a.b.c.d (deprecated, but stacks still route it); :: and ::1 keep their own class.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return low32();
  return null;
}
