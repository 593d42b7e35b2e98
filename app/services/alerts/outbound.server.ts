// The one way alert traffic leaves the server (ADR 0006, "Outbound policy"). Every sender (Slack,
// PagerDuty, webhook, SMTP) and the save-time check go through `resolveDestination`:
//   1. the host is resolved (all addresses) and refused if ANY address is not public unicast
//      (outbound-address.ts),
//   2. the port must be a standard one (HTTP 80/443, SMTP 25/465/587),
//   3. the connection goes to the address that was checked (a pinned `lookup`; SNI and Host stay
//      the hostname), so a DNS answer that changes between check and connect (rebinding) cannot
//      move the request to 127.0.0.1.
// ALERT_ALLOWED_HOSTS names internal receivers that platform and env channels may reach (on any
// listed port); tenant channels never get it: a tenant admin must not be able to aim Tollgate's
// network position at its neighbours.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { getConfig } from "../config.server.ts";
import { classifyAddress } from "./outbound-address.ts";

/** Whose channel is sending: only platform (and env) channels may use the operator allow-list. */
export type ChannelReach = "tenant" | "platform";
export type OutboundProtocol = "http" | "smtp";

export const STANDARD_PORTS: Record<OutboundProtocol, number[]> = { http: [80, 443], smtp: [25, 465, 587] };

export interface AllowEntry {
  host: string;
  /** A port, "*" for any, or null for the protocol's standard ports. */
  port: number | "*" | null;
}

export interface Destination {
  hostname: string;
  port: number;
  /** The checked address the connection must use. */
  address: string;
  family: 4 | 6;
}

/** Refusal codes; `OUTCOME` has the text every viewer may see. */
export type RefusalCode = "address_not_allowed" | "port_not_allowed" | "unresolvable" | "invalid_url";
export const REFUSAL_OUTCOME: Record<RefusalCode, string> = {
  address_not_allowed: "not sent: address not allowed",
  port_not_allowed: "not sent: port not allowed",
  unresolvable: "not sent: host could not be resolved",
  invalid_url: "not sent: invalid URL",
};

export class OutboundRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    /** For forms (tenant-safe: says what was refused, never what is listening). */
    message: string,
    /** Staff-only: which address and class. */
    readonly detail: string,
  ) {
    super(message);
    this.name = "OutboundRefused";
  }
}

/** "host", "host:port", "host:*", "[v6]:port" or a bare IPv6 literal (no port). */
export function parseAllowList(entries: string[]): AllowEntry[] {
  return entries.map((raw) => {
    const e = raw.trim().toLowerCase();
    const bracket = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(e);
    if (bracket) return { host: bracket[1], port: portOf(bracket[2]) };
    const parts = e.split(":");
    if (parts.length === 2) return { host: parts[0], port: portOf(parts[1]) };
    return { host: e, port: null };
  });
}
const portOf = (p: string | undefined): AllowEntry["port"] => (p === undefined ? null : p === "*" ? "*" : Number(p));

function allowListed(host: string, port: number, protocol: OutboundProtocol, list: AllowEntry[]): boolean {
  return list.some((e) => e.host === host && (e.port === "*" || e.port === port || (e.port === null && STANDARD_PORTS[protocol].includes(port))));
}

export const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** The operator allow-list for this reach: empty for tenant channels, whatever the variable says. */
export function allowListFor(reach: ChannelReach): AllowEntry[] {
  return reach === "platform" ? parseAllowList(getConfig().ALERT_ALLOWED_HOSTS) : [];
}

/**
 * Checks a destination and returns the address to connect to, or throws OutboundRefused.
 * `resolve` is injectable only so the classifier tests can feed a DNS answer; production uses
 * the system resolver (the same one the connection would have used).
 */
export async function resolveDestination(
  hostname: string,
  port: number,
  protocol: OutboundProtocol,
  reach: ChannelReach,
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (h) => lookup(h, { all: true, verbatim: true }),
): Promise<Destination> {
  const host = bareHost(hostname);
  const listed = allowListed(host, port, protocol, allowListFor(reach));
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch (e) {
    throw new OutboundRefused("unresolvable", "the host could not be resolved", `DNS lookup of ${host} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!addresses.length) throw new OutboundRefused("unresolvable", "the host could not be resolved", `DNS lookup of ${host} returned no address`);
  if (!listed) {
    // ANY refused address refuses the host: a name answering one public and one private address
    // would otherwise reach the private one on a retry or through another resolver.
    for (const a of addresses) {
      const v = classifyAddress(a.address);
      if (!v.allowed) {
        throw new OutboundRefused(
          "address_not_allowed",
          "this address is not allowed: alerts go only to public internet addresses",
          `${host} resolves to ${a.address} (${v.range}); not in ALERT_ALLOWED_HOSTS for this channel`,
        );
      }
    }
    // The port after the address: an internal host answers "address not allowed" whatever the
    // port, so the answer never depends on what listens there.
    if (!STANDARD_PORTS[protocol].includes(port)) {
      const allowed = STANDARD_PORTS[protocol].join(", ");
      throw new OutboundRefused("port_not_allowed", `port ${port} is not allowed; alerts use ports ${allowed}`, `port ${port} is not in ${allowed} and ${host}:${port} is not in ALERT_ALLOWED_HOSTS`);
    }
  }
  const first = addresses[0];
  return { hostname: host, port, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** An http(s) URL's host and port (default ports filled in), or OutboundRefused. */
export function httpTarget(url: string): { url: URL; hostname: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OutboundRefused("invalid_url", "must be an http(s):// URL", `not a URL: ${url.slice(0, 100)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new OutboundRefused("invalid_url", "must be an http(s):// URL", `scheme ${u.protocol}`);
  if (u.username || u.password) throw new OutboundRefused("invalid_url", "must not contain a user name or password", "credentials in URL");
  return { url: u, hostname: bareHost(u.hostname), port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80 };
}

/** A dns.lookup replacement that answers only the checked address (node's net calls it). */
export function pinnedLookup(dest: Destination) {
  return (_host: string, opts: { all?: boolean } | number | undefined, cb: (...args: any[]) => void) => {
    // With autoSelectFamily (node 20's default) net asks for `all` and wants an array.
    if (typeof opts === "object" && opts?.all) cb(null, [{ address: dest.address, family: dest.family }]);
    else cb(null, dest.address, dest.family);
  };
}
