// The migrations and prisma/schema.prisma describe the same database (`npm run db:check`).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, inject, it } from "vitest";
import { ROOT, withDatabase } from "../../scripts/lib/postgres.ts";

it("prisma migrate diff between the migrations and the schema reports no drift", () => {
  const r = spawnSync(
    path.join(ROOT, "node_modules/.bin/prisma"),
    ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code"],
    // The JS engine builds a shadow database on this server to replay the migrations.
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: withDatabase(inject("pgAdminUrl"), "postgres") }, encoding: "utf8", timeout: 60_000 },
  );
  expect(r.stdout + r.stderr).toContain("No difference detected");
  expect(r.status).toBe(0);
});
