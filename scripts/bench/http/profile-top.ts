// The top frames of a V8 CPU profile (node --cpu-prof): self time per function, and the time
// spent under each of a few well-known subsystems (Remix's handler, React rendering, Prisma,
// pg, express, zod), for docs/benchmarks.md. Usage: tsx scripts/bench/http/profile-top.ts FILE [N]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx scripts/bench/http/profile-top.ts FILE.cpuprofile [N]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, "");
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return m ? m[1] : url.includes("/build/") ? "app build" : url.startsWith("node:") ? url : url ? url.split("/").slice(-2).join("/") : "(native)";
};
const name = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} · ${where(n)}:${n.callFrame.lineNumber + 1}`;

const bySelf = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  bySelf.set(name(n), (bySelf.get(name(n)) ?? 0) + t);
}
const pct = (t: number) => `${((t / total) * 100).toFixed(1)}%`;
const top = Number(topArg ?? 25);
process.stdout.write(`# ${file}: ${(total / 1e6).toFixed(2)} s sampled\n\n## Self time, top ${top}\n`);
for (const [k, t] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t).padStart(6)}  ${k}\n`);

// Inclusive time by package: a sample counts once for every package on its stack.
const byPackage = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(where(byId.get(cur)!));
  for (const p of seen) byPackage.set(p, (byPackage.get(p) ?? 0) + t);
}
process.stdout.write(`\n## Inclusive time by package or file (a sample counts for every one on its stack)\n`);
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t).padStart(6)}  ${k}\n`);
