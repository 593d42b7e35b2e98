// The rows a decision runs on, with budget leases (ADR 0009). Pure: no I/O.
//
// A lease is a slice of one usage row's budget held by one process. The row's reserved_usd
// counts the lease's whole grant, so other transactions see that budget as taken; the holder
// decides the level against its lease alone — without locking the row — recording on the lease
// what its reservations hold and what they spent. Figures, for one usage row U and its active
// leases L:
//   true spent    = U.spent + Σ L.spent
//   true reserved = (U.reserved − Σ L.granted) + Σ L.reserved      (the view quota_usage_current)
//   unused(L)     = max(0, L.granted − L.reserved − L.spent)
// A decision on a LOCKED row sees the true figures plus the other holders' unused slices as
// reserved (they may use them any moment), and its own lease's unused slice as free. When a
// request would be denied only because of other holders' unused slices, those slices are
// trimmed (their grant cut to what they hold and spent) and the request decided again: a denial
// happens only when the budget is truly gone. A decision on a row this process holds a lease
// of and did NOT lock must fit in the lease; otherwise the batch runs again with the row locked
// (NeedRows). Threshold notifications are decided on locked rows only; grants stop short of the
// next threshold, so no threshold can be crossed without some holder locking the row.
import { newCrossings } from "./decide.ts";
import { money, Money, toDb, ZERO } from "./money.ts";
import type { QuotaEvent } from "./types.ts";
import { applies, toRow, type Scoping, type UsageDelta, type UsageRow } from "./usage-rows.ts";

export interface Lease {
  id: string;
  usageId: string;
  holder: string;
  granted: Money;
  reserved: Money;
  spent: Money;
  returned: boolean;
  expiresAt: Date;
  /** The usage row's quota, with its true figures when read (unlocked). */
  row: UsageRow;
}

/** The rows LOCK_LEASES returns. */
export function parseLeases(rows: any[]): Lease[] {
  return rows.map((r) => ({
    id: r.id,
    usageId: r.usageId,
    holder: r.holder,
    granted: money(r.granted),
    reserved: money(r.reserved),
    spent: money(r.spent),
    returned: r.returned,
    expiresAt: new Date(r.expiresAt),
    row: toRow(r),
  }));
}

/** The batch must run again with these usage rows locked (a lease ran short, or was returned). */
export class NeedRows extends Error {
  constructor(readonly usageIds: string[]) {
    super(`locks needed: ${usageIds.join(", ")}`);
  }
}

export interface LeasePolicy {
  /** This process (hostname:pid:random): its leases are decided on; other holders' are only trimmed or reclaimed. */
  holder: string;
  ttlSeconds: number;
  /** Rows this process takes leases of (e.g. platform quotas, hard and enabled). */
  leasable: (row: UsageRow) => boolean;
}

interface LeaseState extends Lease {
  /** Figures as locked, to tell what changed. */
  was: { granted: Money; reserved: Money; spent: Money };
  touched: boolean;
}

interface RowState {
  row: UsageRow;
  /** Locked in this transaction (else decided on this process's lease of it). */
  locked: boolean;
  /** Locked rows: U.spent as locked, then changed. */
  spent: Money;
  /** Locked rows: holds drawn from the row itself (U.reserved less the active grants). */
  direct: Money;
  notified: number[];
  leases: LeaseState[];
  /** Denials counted on this (locked) row in this transaction (ADR 0014). */
  deniedCount: number;
  deniedUsd: Money;
}

const unused = (l: Lease) => Money.max(ZERO, l.granted.sub(l.reserved).sub(l.spent));
const sum = (xs: Money[]) => xs.reduce((a, b) => a.add(b), ZERO);

export interface Grant {
  id: string;
  usageId: string;
  holder: string;
  granted: Money;
  expiresAt: Date;
}

/** Lease writes: absolute figures (the transaction holds the locks), and new grants. */
export interface LeaseWrites {
  updates: { id: string; granted: Money; reserved: Money; spent: Money; expiresAt: Date; returned: Date | null }[];
  grants: Grant[];
}

/** What happened to leases: slices granted, returned by their holder, cut (trimmed) by another, reclaimed after expiry; `short`: batches run again with a row locked. */
export interface LeaseCounts {
  granted: number;
  returned: number;
  trimmed: number;
  reclaimed: number;
  short: number;
}

export const noLeaseCounts = (): LeaseCounts => ({ granted: 0, returned: 0, trimmed: 0, reclaimed: 0, short: 0 });

export class RowStates {
  private readonly rows = new Map<string, RowState>();
  readonly counts: LeaseCounts = noLeaseCounts();
  readonly events: QuotaEvent[] = [];
  private readonly grants: Grant[] = [];
  private readonly index = new Map<string, string[]>();

  /**
   * `locked`: usage rows locked in this transaction, in the global lock order; `leases`: the
   * leases it locked (every active lease of those rows, and the named ones). `holder`: leases of
   * this holder on rows not locked are decided on.
   */
  constructor(locked: UsageRow[], leases: Lease[], private readonly holder: string | null) {
    const byRow = new Map<string, LeaseState[]>();
    for (const l of leases) {
      const s: LeaseState = { ...l, was: { granted: l.granted, reserved: l.reserved, spent: l.spent }, touched: false };
      byRow.set(l.usageId, [...(byRow.get(l.usageId) ?? []), s]);
    }
    for (const r of locked) {
      const ls = (byRow.get(r.usageId) ?? []).filter((l) => !l.returned);
      const direct = r.reservedUsd.sub(sum(ls.map((l) => l.granted)));
      this.rows.set(r.usageId, { row: r, locked: true, spent: r.spentUsd, direct, notified: r.notified, leases: ls, deniedCount: 0, deniedUsd: ZERO });
    }
    for (const [usageId, ls] of byRow) {
      if (this.rows.has(usageId)) continue;
      // Not locked: decided on this holder's active lease of it, if any.
      if (!ls.some((l) => !l.returned && l.holder === holder)) continue;
      this.rows.set(usageId, { row: ls[0].row, locked: false, spent: ZERO, direct: ZERO, notified: ls[0].row.notified, leases: ls.filter((l) => !l.returned), deniedCount: 0, deniedUsd: ZERO });
    }
    for (const [id, s] of this.rows) {
      const k = scopeKey(s.row.scope, s.row.tenantId, s.row.scopeId);
      this.index.set(k, [...(this.index.get(k) ?? []), id]);
    }
  }

  has(usageId: string) {
    return this.rows.has(usageId);
  }

  isLocked(usageId: string) {
    return this.rows.get(usageId)?.locked ?? false;
  }

  /** The rows (locked, or decided on a lease) that apply to a need, in lock order within each scope. */
  applicable(need: Scoping): string[] {
    return [
      ...(this.index.get("p") ?? []),
      ...(this.index.get(scopeKey("tenant", need.tenantId, null)) ?? []),
      ...(need.userId === null ? [] : (this.index.get(scopeKey("user", need.tenantId, need.userId)) ?? [])),
    ].filter((id) => applies(this.rows.get(id)!.row, need));
  }

  private own(s: RowState) {
    return s.leases.find((l) => l.holder === this.holder && !l.returned);
  }

  /** The row as a decision sees it: true figures, other holders' unused slices counted as reserved. */
  view(usageId: string): UsageRow {
    const s = this.rows.get(usageId)!;
    if (!s.locked) {
      // Not locked: the true figures as last read, moved by this batch's changes to its leases.
      const moved = (f: (l: LeaseState) => Money, g: (l: LeaseState) => Money) => sum(s.leases.map((l) => f(l).sub(g(l))));
      return {
        ...s.row,
        spentUsd: s.row.spentUsd.add(moved((l) => l.spent, (l) => l.was.spent)),
        reservedUsd: s.row.reservedUsd.add(moved((l) => l.reserved, (l) => l.was.reserved)),
      };
    }
    const others = s.leases.filter((l) => l.holder !== this.holder);
    return {
      ...s.row,
      spentUsd: s.spent.add(sum(s.leases.map((l) => l.spent))),
      reservedUsd: s.direct.add(sum(s.leases.map((l) => l.reserved))).add(sum(others.map(unused))),
      notified: s.notified,
    };
  }

  /** Can `amount` be held on this unlocked row's lease? (Locked rows are checked by evaluate on view().) */
  fits(usageId: string, amount: Money): boolean {
    const s = this.rows.get(usageId)!;
    if (s.locked) return true;
    const l = this.own(s);
    return l !== undefined && l.reserved.add(l.spent).add(amount).lte(l.granted);
  }

  /** Other holders' unused slices of a locked row. */
  othersUnused(usageId: string): Money {
    const s = this.rows.get(usageId)!;
    return s.locked ? sum(s.leases.filter((l) => l.holder !== this.holder).map(unused)) : ZERO;
  }

  /** Cuts other holders' grants on a locked row to what they hold and spent; true if budget was freed. */
  trimOthers(usageId: string): boolean {
    const s = this.rows.get(usageId)!;
    let freed = false;
    for (const l of s.leases) {
      if (l.holder === this.holder || !s.locked || unused(l).isZero()) continue;
      l.granted = l.reserved.add(l.spent);
      l.touched = freed = true;
      this.counts.trimmed++;
    }
    return freed;
  }

  /** Holds `amount` on the row: on this holder's lease when the row is not locked, else on the row. Returns the lease used. */
  hold(usageId: string, amount: Money): string | null {
    const s = this.rows.get(usageId)!;
    if (!s.locked) {
      const l = this.own(s)!;
      l.reserved = l.reserved.add(amount);
      l.touched = true;
      return l.id;
    }
    s.direct = s.direct.add(amount);
    this.crossed(s, false);
    return null;
  }

  /**
   * A hold of a reservation leaves the row (settle or release): from the reservation's lease of
   * this row while it is active, else from the row itself — which must then be locked.
   */
  unhold(usageId: string, amount: Money, leaseIds: string[]) {
    const s = this.rows.get(usageId)!;
    const l = s.leases.find((x) => leaseIds.includes(x.id) && !x.returned);
    if (l) {
      l.reserved = l.reserved.sub(amount);
      l.touched = true;
    } else {
      if (!s.locked) throw new NeedRows([usageId]);
      s.direct = s.direct.sub(amount);
    }
    if (s.locked) this.crossed(s, false);
  }

  /** A cost is charged to the row: on the reservation's active lease of it, else this holder's lease of an unlocked row, else the row. */
  charge(usageId: string, amount: Money, leaseIds: string[]) {
    const s = this.rows.get(usageId)!;
    const l = s.leases.find((x) => leaseIds.includes(x.id) && !x.returned) ?? (s.locked ? undefined : this.own(s));
    if (l) {
      l.spent = l.spent.add(amount);
      l.touched = true;
    } else {
      if (!s.locked) throw new NeedRows([usageId]);
      s.spent = s.spent.add(amount);
    }
    if (s.locked) this.crossed(s, false);
  }

  /**
   * A denial by this (locked) row: its one-time "exceeded" notification, and — when `counted`
   * (the estimate denied; not for a retry of a denial already counted) — its denial counts.
   */
  denied(usageId: string, counted?: Money) {
    const s = this.rows.get(usageId)!;
    if (!s.locked) return;
    this.crossed(s, true);
    if (counted) {
      s.deniedCount++;
      s.deniedUsd = s.deniedUsd.add(counted);
    }
  }

  private crossed(s: RowState, denied: boolean) {
    const v = this.view(s.row.usageId);
    const c = newCrossings({ ...s.row, notified: s.notified }, { spent: v.spentUsd, reserved: v.reservedUsd }, denied);
    s.notified = c.notified;
    this.events.push(...c.events);
  }

  /**
   * End of a batch: on every locked row this holder leases, fold its lease's spend into the row
   * and grant it half the headroom left below the row's next notification threshold (100% =
   * the limit); return leases of rows it no longer leases and expired leases of other holders;
   * extend its leases' expiry.
   */
  settleLeases(policy: LeasePolicy, now: Date, newId: () => string) {
    const expires = new Date(now.getTime() + policy.ttlSeconds * 1000);
    for (const s of this.rows.values()) {
      for (const l of s.leases) {
        if (l.holder === this.holder) {
          l.expiresAt = expires;
          l.touched = true;
        }
      }
      if (!s.locked) continue;
      this.reclaim(s, now, (l) => l.holder !== this.holder);
      const own = this.own(s);
      const leasable = policy.leasable(s.row);
      if (own) {
        // Fold: what it spent moves to the row; the grant is set again below.
        s.spent = s.spent.add(own.spent);
        own.granted = own.granted.sub(own.spent);
        own.spent = ZERO;
        own.touched = true;
      }
      const v = this.view(s.row.usageId);
      // Own unused slice is not in the view (it was folded above): what is left is truly taken.
      const used = v.spentUsd.add(v.reservedUsd);
      const next = [...new Set([...s.row.thresholds, 100])].filter((t) => !s.notified.includes(t)).sort((a, b) => a - b)[0];
      const headroom = next === undefined ? ZERO : s.row.limitUsd.mul(next).div(100).sub(used);
      const slice = leasable && headroom.gt(ZERO) ? headroom.div(2).toDecimalPlaces(10, 1) : ZERO;
      if (own) {
        if (slice.isZero() && own.reserved.isZero()) {
          this.returnLease(s, own, now);
          this.counts.returned++;
        }
        else own.granted = own.reserved.add(slice);
      } else if (slice.gt(ZERO)) {
        this.grants.push({ id: newId(), usageId: s.row.usageId, holder: policy.holder, granted: slice, expiresAt: expires });
        this.counts.granted++;
      }
    }
  }

  /** Returns every expired lease of the locked rows (a dead holder's, the sweeper's job); how many. */
  returnExpired(now: Date): number {
    let n = 0;
    for (const s of this.rows.values()) if (s.locked) n += this.reclaim(s, now, () => true);
    return n;
  }

  /** Returns the expired, still active leases of a locked row that `which` picks; how many. */
  private reclaim(s: RowState, now: Date, which: (l: LeaseState) => boolean): number {
    let n = 0;
    for (const l of s.leases) {
      if (!l.returned && l.expiresAt.getTime() <= now.getTime() && which(l)) {
        this.returnLease(s, l, now);
        this.counts.reclaimed++;
        n++;
      }
    }
    return n;
  }

  /** Folds a lease into its (locked) row: its spend to the row's, its holds to the row's own. */
  private returnLease(s: RowState, l: LeaseState, now: Date) {
    s.spent = s.spent.add(l.spent);
    s.direct = s.direct.add(l.reserved);
    l.granted = l.reserved = l.spent = ZERO;
    l.returned = true;
    l.expiresAt = now;
    l.touched = true;
  }

  /** This holder's leases as they stand (for its memory of them), and what was granted. */
  held(): { id: string; usageId: string; unused: Money; row: UsageRow }[] {
    const mine = [...this.rows.values()].flatMap((s) =>
      s.leases.filter((l) => l.holder === this.holder && !l.returned).map((l) => ({ id: l.id, usageId: s.row.usageId, unused: unused(l), row: s.row })),
    );
    const granted = this.grants.map((g) => ({ id: g.id, usageId: g.usageId, unused: g.granted, row: this.rows.get(g.usageId)!.row }));
    return [...mine, ...granted];
  }

  /** Usage-row writes of locked rows: U.spent and U.reserved (= own holds + active grants), notified, denials. */
  usageDeltas(): UsageDelta[] {
    const out: UsageDelta[] = [];
    for (const s of this.rows.values()) {
      if (!s.locked) continue;
      const granted = sum(s.leases.filter((l) => !l.returned).map((l) => l.granted)).add(sum(this.grants.filter((g) => g.usageId === s.row.usageId).map((g) => g.granted)));
      const reserved = s.direct.add(granted);
      const spentDelta = s.spent.sub(s.row.spentUsd);
      const reservedDelta = reserved.sub(s.row.reservedUsd);
      if (!spentDelta.isZero() || !reservedDelta.isZero() || s.notified.length !== s.row.notified.length || s.deniedCount > 0) {
        out.push({ usageId: s.row.usageId, spentDelta, reservedDelta, notified: s.notified, deniedCount: s.deniedCount, deniedUsd: s.deniedUsd });
      }
    }
    return out;
  }

  leaseWrites(): LeaseWrites {
    const updates = [...this.rows.values()].flatMap((s) =>
      s.leases
        .filter((l) => l.touched)
        .map((l) => ({ id: l.id, granted: l.granted, reserved: l.reserved, spent: l.spent, expiresAt: l.expiresAt, returned: l.returned ? l.expiresAt : null })),
    );
    return { updates, grants: this.grants };
  }
}

function scopeKey(scope: string, tenantId: string | null, userId: string | null) {
  return scope === "platform" ? "p" : scope === "tenant" ? `t:${tenantId}` : `u:${tenantId}:${userId}`;
}

/** The lease parameters of BATCH_WRITE and DROP_HOLDS. */
export function leaseValues(w: LeaseWrites): Record<string, unknown> {
  const db = toDb;
  return {
    lease_id: w.updates.map((u) => u.id),
    lease_granted: w.updates.map((u) => db(u.granted)),
    lease_reserved: w.updates.map((u) => db(u.reserved)),
    lease_spent: w.updates.map((u) => db(u.spent)),
    lease_expires: w.updates.map((u) => u.expiresAt),
    lease_returned: w.updates.map((u) => u.returned),
    grant_id: w.grants.map((g) => g.id),
    grant_usage: w.grants.map((g) => g.usageId),
    grant_holder: w.grants.map((g) => g.holder),
    grant_usd: w.grants.map((g) => db(g.granted)),
    grant_expires: w.grants.map((g) => g.expiresAt),
  };
}
