// The pure address classifier: every refused class, the IPv6 forms that carry an IPv4 address,
// and public addresses that must stay allowed.
import { describe, expect, it } from "vitest";
import { classifyAddress } from "./outbound-address.ts";

const refused: [string, string][] = [
  // IPv4
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.254", "private"],
  ["192.168.1.1", "private"],
  ["169.254.169.254", "metadata"],
  ["169.254.170.2", "metadata"],
  ["169.254.1.1", "linkLocal"],
  ["100.64.0.1", "carrierGradeNat"],
  ["100.127.255.254", "carrierGradeNat"],
  ["100.100.100.200", "metadata"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["255.255.255.255", "broadcast"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["192.0.0.192", "metadata"],
  ["192.0.2.10", "reserved"],
  ["198.18.0.1", "reserved"],
  ["198.51.100.7", "reserved"],
  ["203.0.113.9", "reserved"],
  // IPv6
  ["::1", "loopback"],
  ["::", "unspecified"],
  ["fe80::1", "linkLocal"],
  ["febf::1", "linkLocal"],
  ["fc00::1", "uniqueLocal"],
  ["fd12:3456::1", "uniqueLocal"],
  ["fd00:ec2::254", "metadata"],
  ["ff02::1", "multicast"],
  ["2001:db8::1", "reserved"],
  ["fec0::1", "deprecatedSiteLocal"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"],
  ["64:ff9b:1::a00:1", "rfc6052"],
  // IPv6 carrying a refused IPv4: judged by the IPv4 inside
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.1.2.3", "private"],
  ["::ffff:169.254.169.254", "metadata"],
  ["::127.0.0.1", "loopback"],
  ["::a00:1", "private"],
  ["::ffff:0:192.168.0.1", "private"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "metadata"],
  ["2002:7f00:1::", "loopback"],
  ["2002:c0a8:101::1", "private"],
  ["[::1]", "loopback"],
  // Not an address at all, or a scoped one
  ["fe80::1%eth0", "scoped"],
  ["not-an-ip", "invalid"],
  ["", "invalid"],
];

const allowed = ["93.184.215.14", "1.1.1.1", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.63.255.255", "100.128.0.1", "169.253.0.1", "2606:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:93.184.215.14", "64:ff9b::808:808", "2002:5db8:d70e::1"];

describe("classifyAddress", () => {
  it.each(refused)("refuses %s (%s)", (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it.each(allowed)("allows public unicast %s", (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });
});
