// The spool as the panel shows it, with real dead letters: this file's process runs the app's
// core in fail-open mode on a spool directory where a dead instance left a poisoned entry and a
// torn line; the real replay dead-letters them, and the /spool and /admin loaders report them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as overviewPage from "~/routes/admin+/_index.tsx";
import * as readyz from "~/routes/readyz.ts";
import * as spoolPage from "~/routes/spool+/_index.tsx";
import { panelRequest, routeArgs, signInUsers, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";
import { tollgate } from "./tollgate.server.ts";

let t: TestDatabase;
let users: Record<"admin" | "finance" | "ops", SignedInUser>;
const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-spool-page-"));
const saved = { mode: process.env.QUOTA_FAIL_MODE, dir: process.env.QUOTA_SPOOL_DIR };

beforeAll(async () => {
  // Before the first getConfig() of this file's module graph.
  process.env.QUOTA_FAIL_MODE = "open";
  process.env.QUOTA_SPOOL_DIR = spoolDir;
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id`);
  const tenantId = rows[0].id as string;
  users = await signInUsers(t.pool, { admin: { role: "admin" }, finance: { role: "finance" }, ops: { role: "ops" } });
  const record = (key: string, cost: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ t: "record", req: { tenantId, resource: "llm", idempotencyKey: key, actualCostUsd: cost, ...extra, occurredAt: new Date().toISOString(), spooledBackfill: false } });
  // Left by an instance that shut down (no lock): adopted at the next replay.
  fs.writeFileSync(path.join(spoolDir, "spool-7-0000000000aa.jsonl"), [record("ok", "2"), record("nul", "3", { userId: "\u0000" }), record("torn", "1").slice(0, 30)].join("\n"));
});

afterAll(async () => {
  await t?.drop();
  for (const [k, v] of [["QUOTA_FAIL_MODE", saved.mode], ["QUOTA_SPOOL_DIR", saved.dir]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const request = (role: Role, p: string) => panelRequest(users[role as keyof typeof users], p);

describe("dead letters in the panel", () => {
  it("before replay: the backlog is on /readyz and the overview warns about it", async () => {
    expect(tollgate().spoolBacklog()).toBe(3); // adopted when the core started
    await expect(spoolPage.loader(routeArgs(request("ops", "/spool")))).resolves.toMatchObject({ mode: "open", backlog: 3, deadLetterCount: 0, deadLetters: [] });
    const admin = await overviewPage.loader(routeArgs(request("admin", "/admin")));
    expect(admin.spool).toEqual({ mode: "open", backlog: 3, deadLetters: 0, canOpen: true });
    const ready = await readyz.loader();
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", database: "ok", spoolBacklog: 3, spoolDeadLetters: 0, cacheListener: "connecting" }]); // in-process: no listener started
  });

  it("after replay: /spool lists each dead letter with time, kind, tenant and reason; the overview and /readyz count them", async () => {
    expect(await tollgate().replaySpool()).toBe(1); // the valid $2
    const page = await spoolPage.loader(routeArgs(request("ops", "/spool")));
    expect(page).toMatchObject({ mode: "open", backlog: 0, deadLetterCount: 2, shown: 2 });
    const rows = page.deadLetters.map(({ kind, tenant, reasonCode, source }) => ({ kind, tenant, reasonCode, source }));
    expect(rows).toEqual(
      expect.arrayContaining([
        { kind: "record", tenant: "acme", reasonCode: "22021", source: "spool-7-0000000000aa.jsonl" },
        { kind: "unparsable", tenant: null, reasonCode: "unparsable", source: "spool-7-0000000000aa.jsonl" },
      ]),
    );
    expect(rows).toHaveLength(2);
    for (const d of page.deadLetters) expect(Date.parse(d.at)).toBeGreaterThan(Date.now() - 60_000);

    const admin = await overviewPage.loader(routeArgs(request("admin", "/admin")));
    expect(admin.spool).toEqual({ mode: "open", backlog: 0, deadLetters: 2, canOpen: true });
    const finance = await overviewPage.loader(routeArgs(request("finance", "/admin")));
    expect(finance.spool).toEqual({ mode: "open", backlog: 0, deadLetters: 2, canOpen: false });

    const ready = await readyz.loader();
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", database: "ok", spoolBacklog: 0, spoolDeadLetters: 2, cacheListener: "connecting" }]);
  });
});
