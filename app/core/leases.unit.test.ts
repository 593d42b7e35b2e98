// RowStates (leases.ts), pure: the figures a decision sees with budget leases, and what a
// batch writes back. The database-backed behaviour is in leases.test.ts.
import { describe, expect, it } from "vitest";
import { NeedRows, RowStates, type Lease, type LeasePolicy } from "./leases.ts";
import { money, type MoneyInput } from "./money.ts";
import { NOW, TENANT, usageRow } from "./test/usage-row.ts";

const ME = "host:1:aaaaaaaa";
const OTHER = "host:2:bbbbbbbb";
const platform = (o: { limit?: MoneyInput; spent?: MoneyInput; reserved?: MoneyInput; thresholds?: number[]; notified?: number[] } = {}) =>
  usageRow({ scope: "platform", limit: o.limit ?? 100, spent: o.spent ?? 0, reserved: o.reserved ?? 0, thresholds: o.thresholds ?? [], notified: o.notified ?? [] });

function lease(holder: string, granted: MoneyInput, reserved: MoneyInput = 0, spent: MoneyInput = 0, o: Partial<Lease> = {}): Lease {
  return {
    id: `lease-${holder}`,
    usageId: "usage-platform",
    holder,
    granted: money(granted),
    reserved: money(reserved),
    spent: money(spent),
    returned: false,
    expiresAt: new Date(NOW.getTime() + 30_000),
    row: platform(),
    ...o,
  };
}

const policy: LeasePolicy = { holder: ME, ttlSeconds: 30, leasable: (r) => r.scope === "platform" };
const need = { tenantId: TENANT, userId: null, resource: "llm" as const, at: NOW };
let n = 0;
const newId = () => `new-${++n}`;

describe("a locked row with leases", () => {
  it("sees the true figures plus other holders' unused slices; its own unused slice is free", () => {
    // Row: $20 spent directly, $5 held directly, grants 30 (mine) + 20 (other's) counted in reserved.
    const s = new RowStates([platform({ spent: 20, reserved: 55 })], [lease(ME, 30, 10, 5), lease(OTHER, 20, 4, 6)], ME);
    const v = s.view("usage-platform");
    expect(v.spentUsd).toEqual(money(31)); // 20 + 5 + 6
    expect(v.reservedUsd).toEqual(money(29)); // 5 direct + 10 + 4 held + 10 unused of the other's
    expect(s.othersUnused("usage-platform")).toEqual(money(10));
  });

  it("trimming cuts other holders' grants to what they hold and spent, and is written back", () => {
    const s = new RowStates([platform({ reserved: 50 })], [lease(ME, 30), lease(OTHER, 20, 4, 6)], ME);
    expect(s.trimOthers("usage-platform")).toBe(true);
    expect(s.trimOthers("usage-platform")).toBe(false);
    expect(s.view("usage-platform").reservedUsd).toEqual(money(4));
    expect(s.counts.trimmed).toBe(1);
    expect(s.leaseWrites().updates).toEqual([expect.objectContaining({ id: `lease-${OTHER}`, granted: money(10), reserved: money(4), spent: money(6), returned: null })]);
    // U.reserved = direct (0) + grants (30 + 10): reserved drops by the $10 freed.
    expect(s.usageDeltas()).toEqual([{ usageId: "usage-platform", spentDelta: money(0), reservedDelta: money(-10), notified: [], deniedCount: 0, deniedUsd: money(0) }]);
  });

  it("end of batch: folds its own lease's spend into the row and grants half the headroom below the next threshold", () => {
    const s = new RowStates([platform({ limit: 100, spent: 10, reserved: 30, thresholds: [50] })], [lease(ME, 30, 10, 8)], ME);
    s.settleLeases(policy, NOW, newId);
    // True use: 10 + 8 spent, 10 held = 28; next threshold 50% = $50; headroom 22, half is 11.
    const { updates, grants } = s.leaseWrites();
    expect(grants).toEqual([]);
    expect(updates).toEqual([expect.objectContaining({ id: `lease-${ME}`, granted: money(21), reserved: money(10), spent: money(0) })]);
    // U.spent += 8 (fold); U.reserved = direct 0 + grant 21 → -9.
    expect(s.usageDeltas()).toEqual([{ usageId: "usage-platform", spentDelta: money(8), reservedDelta: money(-9), notified: [], deniedCount: 0, deniedUsd: money(0) }]);
  });

  it("a first grant on a leasable locked row; none past every threshold; expired leases of others are reclaimed", () => {
    const fresh = new RowStates([platform({ limit: 100, spent: 40 })], [], ME);
    fresh.settleLeases(policy, NOW, newId);
    expect(fresh.leaseWrites().grants).toEqual([expect.objectContaining({ usageId: "usage-platform", holder: ME, granted: money(30) })]);
    expect(fresh.counts.granted).toBe(1);

    const full = new RowStates([platform({ limit: 100, spent: 100, notified: [100] })], [], ME);
    full.settleLeases(policy, NOW, newId);
    expect(full.leaseWrites().grants).toEqual([]);

    const stale = lease(OTHER, 20, 4, 6, { expiresAt: new Date(NOW.getTime() - 1) });
    const s = new RowStates([platform({ reserved: 20 })], [stale], ME);
    expect(s.returnExpired(NOW)).toBe(1);
    // Its spend moves to the row, its holds become the row's own, its grant leaves reserved.
    expect(s.usageDeltas()).toEqual([{ usageId: "usage-platform", spentDelta: money(6), reservedDelta: money(-16), notified: [], deniedCount: 0, deniedUsd: money(0) }]);
    expect(s.leaseWrites().updates).toEqual([expect.objectContaining({ granted: money(0), reserved: money(0), spent: money(0), returned: NOW })]);
  });
});

describe("a row decided on this holder's lease (not locked)", () => {
  it("holds within the lease, refuses more (the batch must lock the row), and never writes the row", () => {
    const s = new RowStates([], [lease(ME, 5, 1, 1)], ME);
    expect(s.isLocked("usage-platform")).toBe(false);
    expect(s.applicable(need)).toEqual(["usage-platform"]);
    expect(s.fits("usage-platform", money(3))).toBe(true);
    expect(s.fits("usage-platform", money("3.01"))).toBe(false);
    expect(s.hold("usage-platform", money(3))).toBe(`lease-${ME}`);
    expect(s.fits("usage-platform", money("0.01"))).toBe(false);
    expect(s.usageDeltas()).toEqual([]);
  });

  it("a hold drawn from the row itself (no lease) cannot be returned without the row", () => {
    const s = new RowStates([], [lease(ME, 5)], ME);
    expect(() => s.unhold("usage-platform", money(1), [])).toThrow(NeedRows);
    s.unhold("usage-platform", money(1), [`lease-${ME}`]);
    s.charge("usage-platform", money(2), []);
    expect(s.leaseWrites().updates[0]).toMatchObject({ reserved: money(-1), spent: money(2) });
  });

  it("another holder's lease alone does not make a row decidable here", () => {
    const s = new RowStates([], [lease(OTHER, 5)], ME);
    expect(s.has("usage-platform")).toBe(false);
  });
});
