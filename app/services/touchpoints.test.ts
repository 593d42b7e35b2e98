// Touchpoint coverage on synthetic records with known answers, against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { classifyCoverage, getTouchpointCoverage } from "./touchpoints.server.ts";

let t: TestDatabase;
const NOW = new Date("2026-11-20T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

/** Inserts `n` cost records for a touchpoint; the first `reserved` of them carry a reservation. */
async function records(tenantId: string, touchpoint: string, n: number, reserved: number, at = hoursAgo(5), cost = "0.01") {
  for (let i = 0; i < n; i++) {
    let reservationId: string | null = null;
    if (i < reserved) {
      const { rows } = await t.pool.query(
        `INSERT INTO reservations (tenant_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids, status, expires_at, touchpoint)
         VALUES ($1, 'llm', $2, 'h', 0.02, '{}', 'settled', $3, $4) RETURNING id`,
        [tenantId, `${touchpoint}-${i}-${at.getTime()}`, NOW, touchpoint],
      );
      reservationId = rows[0].id;
    }
    await t.pool.query(
      `INSERT INTO cost_records (tenant_id, touchpoint, resource, cost_usd, reservation_id, occurred_at) VALUES ($1, $2, 'llm', $3, $4, $5)`,
      [tenantId, touchpoint, cost, reservationId, at],
    );
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id`);
  const acme = rows[0].id;
  await t.pool.query(`DELETE FROM touchpoints`);
  await t.pool.query(
    `INSERT INTO touchpoints (id, name, resource, priority, reserves_before_call) VALUES
       ('main-chat', 'Main chat', 'llm', 'P0', true),
       ('summarizer', 'Summarizer', 'llm', 'P1', true),
       ('compaction', 'Compaction', 'llm', 'P2', true),
       ('title-generator', 'Titles', 'llm', 'P2', false),
       ('idle', 'Never called', 'llm', 'P2', true)`,
  );
  await records(acme, "main-chat", 100, 100); // 100% reserved
  await records(acme, "summarizer", 10, 0); // 0% reserved, registry expects reservation -> flagged
  await records(acme, "title-generator", 4, 0); // 0% reserved, as the registry expects
  await records(acme, "compaction", 10, 5); // 50% -> mixed
  // Older than the window: counted for "last report" but not for the 7-day figures.
  await records(acme, "compaction", 3, 0, hoursAgo(24 * 8));
  // Unregistered touchpoints: one with recent traffic, one only in the rollups (older).
  await records(acme, "shadow-tool", 2, 0, hoursAgo(1), "0.5");
  await t.pool.query(
    `INSERT INTO spend_rollups (day, tenant_id, resource, touchpoint, cost_usd, records) VALUES ('2026-10-01', $1, 'llm', 'legacy-tool', 1, 1)`,
    [acme],
  );
});

afterAll(async () => {
  await t?.drop();
});

describe("classifyCoverage", () => {
  it("uses the 99% / 0% boundaries", () => {
    expect(classifyCoverage(0, 0)).toBe("no_traffic");
    expect(classifyCoverage(100, 100)).toBe("reserves_first");
    expect(classifyCoverage(100, 99)).toBe("reserves_first");
    expect(classifyCoverage(100, 98)).toBe("mixed");
    expect(classifyCoverage(1000, 1)).toBe("mixed");
    expect(classifyCoverage(5, 0)).toBe("records_after");
  });
});

describe("getTouchpointCoverage", () => {
  it("derives each touchpoint's mode from its last 7 days of records and flags expected-but-missing reservations", async () => {
    const rows = await getTouchpointCoverage({ pool: t.pool, now: NOW });
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(["compaction", "idle", "legacy-tool", "main-chat", "shadow-tool", "summarizer", "title-generator"]);

    expect(byId["main-chat"]).toMatchObject({ mode: "reserves_first", records7d: 100, reserved7d: 100, reservedShare: 1, flagged: false, registered: true });
    expect(byId["main-chat"].costUsd7d).toBe("1.0000000000");
    expect(byId["summarizer"]).toMatchObject({ mode: "records_after", records7d: 10, reserved7d: 0, expectsReservation: true, flagged: true });
    expect(byId["title-generator"]).toMatchObject({ mode: "records_after", records7d: 4, expectsReservation: false, flagged: false });
    expect(byId["compaction"]).toMatchObject({ mode: "mixed", records7d: 10, reserved7d: 5, reservedShare: 0.5, flagged: false });
    expect(byId["compaction"].lastReportAt).toBe(hoursAgo(5).toISOString());
    expect(byId["idle"]).toMatchObject({ mode: "no_traffic", records7d: 0, lastReportAt: null, costUsd7d: "0", flagged: false });
    expect(byId["shadow-tool"]).toMatchObject({ registered: false, expectsReservation: null, mode: "records_after", records7d: 2, flagged: false });
    expect(byId["shadow-tool"].costUsd7d).toBe("1.0000000000");
    expect(byId["legacy-tool"]).toMatchObject({ registered: false, records7d: 0, mode: "no_traffic", lastReportAt: null });
    // Unregistered touchpoints are listed first, so they are not overlooked.
    expect(rows.slice(0, 2).map((r) => r.registered)).toEqual([false, false]);
  });
});
