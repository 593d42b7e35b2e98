import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./postgres.ts";

it("importing the embedded PostgreSQL helpers keeps a process's failing exit code (CI must see failures)", () => {
  const r = spawnSync(
    path.join(ROOT, "node_modules/.bin/tsx"),
    ["scripts/lib/test/exit-code-probe.ts"],
    { cwd: ROOT, encoding: "utf8", timeout: 30_000 },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(3);
});
