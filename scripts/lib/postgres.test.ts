import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { ensureReachableByPostgres, ROOT } from "./postgres.ts";

it("importing the embedded PostgreSQL helpers keeps a process's failing exit code (CI must see failures)", () => {
  const r = spawnSync(
    path.join(ROOT, "node_modules/.bin/tsx"),
    ["scripts/lib/test/exit-code-probe.ts"],
    { cwd: ROOT, encoding: "utf8", timeout: 30_000 },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(3);
});

// As root the server runs as an unprivileged user: a checkout in a 0700 directory (mktemp -d)
// made initdb fail with EACCES. The project's own directories get the search bit; a private
// directory above the project is reported, not opened.
it.runIf(process.getuid?.() === 0)("as root, opens the project's private directories to be entered (not listed) and names foreign ones", () => {
  const base = path.join(ROOT, ".data", `private-${process.pid}`);
  const inner = path.join(base, "inner");
  mkdirSync(inner, { recursive: true });
  chmodSync(base, 0o700);
  try {
    ensureReachableByPostgres(inner);
    expect(statSync(base).mode & 0o777).toBe(0o701);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }

  const foreign = mkdtempSync(path.join(os.tmpdir(), "tollgate-private-"));
  try {
    expect(statSync(foreign).mode & 0o777).toBe(0o700);
    expect(() => ensureReachableByPostgres(path.join(foreign, "data"))).toThrow(`cannot enter ${foreign} (mode 700)`);
    expect(statSync(foreign).mode & 0o777).toBe(0o700);
  } finally {
    rmSync(foreign, { recursive: true, force: true });
  }
});
