// The delivery log's keyset pages against a real database: newest first with the id breaking
// ties of the same creation time, Older/Newer cursors that walk the same rows both ways, the
// tenant scope and filters applied on every page, and a stale cursor.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { decodePageCursor } from "~/schemas/page-cursor.ts";
import { deliveryCursor, listDeliveries, type DeliveryCursor } from "./deliveries.page.server.ts";
import type { AlertScope } from "./scope.page.server.ts";

let t: TestDatabase;
const ids: Record<string, string> = {};
let acmeScope: AlertScope;
const staff: AlertScope = { kind: "staff" };

// [summary key, tenant, status, created_at]; inserted in this order, so ids ascend down the list.
const EVENTS = [
  ["e1", "acme", "delivered", "2026-11-20T10:00:00Z"],
  ["e2", "globex", "delivered", "2026-11-20T10:01:00Z"],
  ["e3", "acme", "delivered", "2026-11-20T10:02:00Z"],
  ["e4", "acme", "delivered", "2026-11-20T10:03:00Z"],
  ["e5", "acme", "pending", "2026-11-20T10:03:00Z"], // same time as e4: the higher id is newer
  ["e6", "globex", "delivered", "2026-11-20T10:04:00Z"],
  ["e7", "acme", "delivered", "2026-11-20T10:05:00Z"],
  ["e8", "acme", "dead", "2026-11-20T10:06:00Z"],
  ["e9", "acme", "delivered", "2026-11-20T10:07:00Z"],
] as const;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  const tenant = Object.fromEntries(rows.map((r) => [r.slug, r.id]));
  acmeScope = { kind: "tenant", tenantId: tenant.acme };
  const channels = await t.pool.query(
    `INSERT INTO alert_channels (tenant_id, type, name) VALUES ($1, 'webhook', 'Acme hook'), ($2, 'webhook', 'Globex hook') RETURNING id, tenant_id`,
    [tenant.acme, tenant.globex],
  );
  const channelOf = (slug: string) => channels.rows.find((c) => c.tenant_id === tenant[slug]).id;
  for (const [key, slug, status, at] of EVENTS) {
    const { rows: e } = await t.pool.query(
      `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, status, created_at)
       VALUES ($1, $2, $3, 'quota_threshold', $4::jsonb, $5, $6) RETURNING id::text`,
      [key, channelOf(slug), tenant[slug], JSON.stringify({ summary: key }), status, at],
    );
    ids[key] = e[0].id;
  }
});

afterAll(async () => {
  await t?.drop();
});

const cursor = (raw: string | null) => decodePageCursor(raw!, deliveryCursor)!;
const keys = (page: { rows: { summary: string }[] }) => page.rows.map((r) => r.summary);

describe("delivery log pages", () => {
  it("walks every event once, newest first, and back again to the first page", async () => {
    const first = await listDeliveries(staff, {}, {}, 4);
    expect(keys(first)).toEqual(["e9", "e8", "e7", "e6"]);
    expect(first.previous).toBeNull();
    expect(cursor(first.next)).toEqual({ t: "2026-11-20T10:04:00.000Z", i: ids.e6 } satisfies DeliveryCursor);

    const second = await listDeliveries(staff, {}, { after: cursor(first.next) }, 4);
    expect(keys(second)).toEqual(["e5", "e4", "e3", "e2"]);
    expect(cursor(second.previous)).toEqual({ t: "2026-11-20T10:03:00.000Z", i: ids.e5 });

    const last = await listDeliveries(staff, {}, { after: cursor(second.next) }, 4);
    expect(keys(last)).toEqual(["e1"]);
    expect(last.next).toBeNull();

    const backToSecond = await listDeliveries(staff, {}, { before: cursor(last.previous) }, 4);
    expect(keys(backToSecond)).toEqual(["e5", "e4", "e3", "e2"]);
    expect(backToSecond.next).toBe(second.next);
    // Fewer than a page newer than e5: Newer shows the (full) first page.
    const backToFirst = await listDeliveries(staff, {}, { before: cursor(backToSecond.previous) }, 4);
    expect(keys(backToFirst)).toEqual(["e9", "e8", "e7", "e6"]);
    expect(backToFirst.previous).toBeNull();
  });

  it("a page boundary between two events of the same time splits them by id", async () => {
    const first = await listDeliveries(acmeScope, {}, {}, 4);
    expect(keys(first)).toEqual(["e9", "e8", "e7", "e5"]);
    expect(cursor(first.next)).toEqual({ t: "2026-11-20T10:03:00.000Z", i: ids.e5 });
    const second = await listDeliveries(acmeScope, {}, { after: cursor(first.next) }, 4);
    expect(keys(second)).toEqual(["e4", "e3", "e1"]);
    expect(second.next).toBeNull();
  });

  it("the tenant scope and the filters hold on every page", async () => {
    const pages: string[][] = [];
    let page = await listDeliveries(acmeScope, { status: "delivered" }, {}, 2);
    pages.push(keys(page));
    while (page.next) {
      page = await listDeliveries(acmeScope, { status: "delivered" }, { after: cursor(page.next) }, 2);
      pages.push(keys(page));
    }
    expect(pages).toEqual([["e9", "e7"], ["e4", "e3"], ["e1"]]);
    expect(keys(await listDeliveries(staff, { status: "dead" }, {}, 2))).toEqual(["e8"]);
  });

  it("a stale Older link past the end shows the last page", async () => {
    const page = await listDeliveries(staff, {}, { after: { t: "2026-11-20T09:00:00.000Z", i: "1" } }, 4);
    expect(keys(page)).toEqual(["e4", "e3", "e2", "e1"]);
    expect(page.next).toBeNull();
    expect(cursor(page.previous)).toEqual({ t: "2026-11-20T10:03:00.000Z", i: ids.e4 });
  });
});
