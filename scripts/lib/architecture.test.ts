// The dependency rules (.dependency-cruiser.cjs) hold in the repository, and they do fail: a
// small tree that breaks each rule once is cruised with the same rules and every break is named.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { architectureViolations, describeViolation } from "./architecture.ts";

describe("architecture rules", () => {
  it("hold in app/", async () => {
    expect((await architectureViolations()).map(describeViolation)).toEqual([]);
  });

  it("name each violation of a tree that breaks them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tollgate-arch-"));
    const file = (name: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    };
    try {
      file("app/core/ledger.ts", `import { s } from "../services/s.server.ts";\nexport const l = s;\n`);
      file("app/services/s.server.ts", `import { c } from "../components/c.tsx";\nexport const s = c;\n`);
      file("app/components/c.tsx", `import { d } from "../db/d.server.ts";\nexport const c = d;\n`);
      file("app/db/d.server.ts", `import { s } from "../services/s.server.ts";\nexport const d = () => s;\n`);
      file("app/services/q.server.ts", `import { view } from "./q.page.server.ts";\nexport const q = view;\n`);
      file("app/services/q.page.server.ts", `export const view = 1;\n`);
      file("app/services/q.test.ts", `import { view } from "./q.page.server.ts";\nexport const t = view;\n`);
      file("app/routes/r.tsx", `import { d } from "../db/d.server.ts";\nimport type { Role } from "../services/s.server.ts";\nexport const r = d;\nexport type R = Role;\n`);
      const found = (await architectureViolations(["app"], dir)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
      expect([...new Set(found)].sort()).toEqual([
        "components-import-no-server-code: app/components/c.tsx → app/db/d.server.ts",
        "core-imports-no-app: app/core/ledger.ts → app/services/s.server.ts",
        "db-imports-no-service: app/db/d.server.ts → app/services/s.server.ts",
        "domain-services-import-no-page-module: app/services/q.server.ts → app/services/q.page.server.ts",
        "no-circular: app/components/c.tsx → app/db/d.server.ts", // the cycle c → d → s → c, reported once
        "routes-reach-the-database-only-through-services: app/routes/r.tsx → app/db/d.server.ts",
        "services-import-no-component: app/services/s.server.ts → app/components/c.tsx",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
