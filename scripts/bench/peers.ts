// The three systems measured side by side, behind one small interface:
// - tollgate: the enforcement core — reserve (hierarchical check + hold + reservation row) then
//   settle (cost record, rollup, usage rows), one transaction each.
// - rate-limiter-flexible: RateLimiterPostgres, one atomic upsert per consume, keyed like the
//   tenant quota, points = the limit in cents. No hierarchy, no settle, no ledger.
// - naive: check-then-record without a lock, keyed like the tenant quota — read the total,
//   compare, then add the amount in a separate statement. Correct alone, overspends under load.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { createTollgate, money, type Money } from "../../app/core/index.ts";
import { createContendedTenant, NEVER_REACHED_USD, tenantKey, type Target } from "./fixture.ts";
import type { LeaseScope, PeerName } from "./options.ts";

/** What every hot/spread operation asks for (and, for tollgate, settles at). */
export const OP_USD = "0.01";
/** contended-limit: each attempt holds $0.10 against a $10 budget. */
export const CONTENDED_USD = "0.10";
export const CONTENDED_LIMIT_USD = "10";

export interface OpOutcome {
  allowed: boolean;
  /** tollgate only: time of the reserve step alone. */
  reserveMs?: number;
}

export interface Peer {
  readonly name: PeerName;
  /** One hot/spread operation for $0.01 (key: a fresh idempotency key). */
  spend(target: Target, key: string): Promise<OpOutcome>;
  /** A fresh $10 budget for one contended-limit round. */
  newBudget(label: string): Promise<Target>;
  /** One contended-limit attempt to hold $0.10 of it. */
  hold(target: Target, key: string): Promise<boolean>;
  /** Held + spent on the round's budget as the peer's own store says, or null if it keeps none. */
  usedUsd(target: Target): Promise<Money | null>;
  /** tollgate: its budget-lease counters so far (ADR 0009). */
  leaseStats?(): Record<string, number>;
}

function tollgatePeer(pool: pg.Pool, groupCommit: boolean, inFlight: number, leases: LeaseScope[]): Peer {
  const tollgate = createTollgate({ pool, groupCommit: groupCommit && { inFlight }, leases: leases.length ? { scopes: leases } : false });
  return {
    name: "tollgate",
    leaseStats: () => {
      const { held: _held, ...counts } = tollgate.leaseStats();
      return counts;
    },
    async spend(t, key) {
      const started = performance.now();
      const d = await tollgate.reserve({ tenantId: t.tenantId, userId: t.userId, resource: "llm", idempotencyKey: key, estimatedCostUsd: OP_USD });
      const reserveMs = performance.now() - started;
      if (!d.allowed) return { allowed: false, reserveMs };
      await tollgate.settle(d.reservationId, { actualCostUsd: OP_USD });
      return { allowed: true, reserveMs };
    },
    async newBudget(label) {
      return { tenantId: await createContendedTenant(pool, label, CONTENDED_LIMIT_USD), userId: null };
    },
    async hold(t, key) {
      const d = await tollgate.reserve({ tenantId: t.tenantId, resource: "llm", idempotencyKey: key, estimatedCostUsd: CONTENDED_USD });
      return d.allowed;
    },
    async usedUsd(t) {
      const { rows } = await pool.query(
        `SELECT (u.spent_usd + u.reserved_usd)::text AS used FROM quota_usage_current u JOIN quotas q ON q.id = u.quota_id
          WHERE q.scope = 'tenant' AND q.tenant_id = $1`,
        [t.tenantId],
      );
      if (rows.length !== 1) throw new Error(`expected one usage row for contended tenant ${t.tenantId}, found ${rows.length}`);
      return money(rows[0].used);
    },
  };
}

const cents = (usd: string) => money(usd).mul(100).toNumber();

async function rlfPeer(pool: pg.Pool, tableCreated: boolean): Promise<Peer> {
  const options = (points: number) => ({
    storeClient: pool,
    storeType: "pool",
    tableName: "bench_rlf",
    // The first limiter creates its table; the others (and child processes) reuse it.
    tableCreated,
    points,
    duration: 31 * 86_400, // a monthly budget
    clearExpiredByTimeout: false,
  });
  const create = (points: number) =>
    new Promise<RateLimiterPostgres>((resolve, reject) => {
      // With tableCreated the callback runs inside the constructor, before `limiter` is assigned.
      const limiter: RateLimiterPostgres = new RateLimiterPostgres(options(points), (err) =>
        err ? reject(err) : queueMicrotask(() => resolve(limiter)),
      );
    });
  const budget = await create(cents(NEVER_REACHED_USD));
  tableCreated = true;
  const contended = await create(cents(CONTENDED_LIMIT_USD));
  const consume = async (limiter: RateLimiterPostgres, key: string, usd: string) => {
    try {
      await limiter.consume(key, cents(usd));
      return true;
    } catch (e) {
      if (e instanceof RateLimiterRes) return false; // over the limit: a decision, not a fault
      throw e;
    }
  };
  return {
    name: "rate-limiter-flexible",
    async spend(t) {
      return { allowed: await consume(budget, tenantKey(t), OP_USD) };
    },
    async newBudget() {
      return { tenantId: randomUUID(), userId: null };
    },
    hold: (t) => consume(contended, tenantKey(t), CONTENDED_USD),
    // Its counter also counts rejected consumes, so it is not "held + spent": none to compare.
    usedUsd: async () => null,
  };
}

function naivePeer(pool: pg.Pool): Peer {
  async function checkThenRecord(t: Target, usd: string): Promise<boolean> {
    const key = tenantKey(t);
    const { rows } = await pool.query(`SELECT limit_usd::text AS "limit", spent_usd::text AS spent FROM bench_naive_budget WHERE key = $1`, [key]);
    if (!rows[0]) throw new Error(`naive: no budget row ${key}`);
    if (money(rows[0].spent).add(usd).gt(money(rows[0].limit))) return false;
    // Between the read above and this write other requests read the same old total: the bug
    // this peer demonstrates. (The write itself is atomic; no update is lost.)
    await pool.query(`UPDATE bench_naive_budget SET spent_usd = spent_usd + $2 WHERE key = $1`, [key, usd]);
    return true;
  }
  return {
    name: "naive",
    async spend(t) {
      return { allowed: await checkThenRecord(t, OP_USD) };
    },
    async newBudget() {
      const t = { tenantId: randomUUID(), userId: null };
      await pool.query(`INSERT INTO bench_naive_budget (key, limit_usd) VALUES ($1, $2)`, [tenantKey(t), CONTENDED_LIMIT_USD]);
      return t;
    },
    hold: (t) => checkThenRecord(t, CONTENDED_USD),
    async usedUsd(t) {
      const { rows } = await pool.query(`SELECT spent_usd::text AS spent FROM bench_naive_budget WHERE key = $1`, [tenantKey(t)]);
      return money(rows[0].spent);
    },
  };
}

/** tableCreated: whether rate-limiter-flexible's table already exists (child processes). */
export async function createPeer(name: PeerName, pool: pg.Pool, opts: { tableCreated: boolean; groupCommit: boolean; inFlight: number; leases: LeaseScope[] }): Promise<Peer> {
  if (name === "tollgate") return tollgatePeer(pool, opts.groupCommit, opts.inFlight, opts.leases);
  if (name === "naive") return naivePeer(pool);
  return rlfPeer(pool, opts.tableCreated);
}
