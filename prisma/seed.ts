// The demo seed (`npm start` with SEED_DEMO=true, `npm run db:seed`): reference data, demo
// people and tenants, and 90 days of priced cost history ending at `now`, with the rollups and
// current QuotaUsage rows derived from it. Idempotent: the whole seed is one transaction that
// ends by writing the `demo_seed` settings row, and a run that finds that row writes nothing.
// Those two commands then run the analysis once (seedDemoAndAnalyze).
import type pg from "pg";
import { Money, toDb } from "../app/core/money.ts";
import type { Db } from "../app/db/client.server.ts";
import { runAnalysis, type AnalysisSummary } from "../app/services/analysis/job.server.ts";
import { buildQuotaUsage, buildSpendRollups } from "./seed/aggregates.ts";
import { tuneTenantQuotas } from "./seed/budgets.ts";
import type { Sql } from "./seed/bulk.ts";
import { DEMO_TENANTS, DEMO_USER_CAP } from "./seed/catalog.ts";
import { generateHistory, type TouchpointInfo } from "./seed/history.ts";
import { writeCostHistory, writeSandboxErrors } from "./seed/history-writer.ts";
import { ensureDemoApiKey, hashMissingUserPasswords, seedTenants, seedUserQuotas, seedUsers } from "./seed/people.ts";
import { PriceBook } from "./seed/price-book.ts";
import { seedDefaultQuotaTemplates, seedPlatformQuotas, seedPrices, seedTouchpoints } from "./seed/reference.ts";
import { generateSandboxErrors } from "./seed/sandbox-errors.ts";
import { seedDenials } from "./seed/denials.ts";
import { cappedUserCalls, seedUserCap, userCapLimit } from "./seed/user-caps.ts";

export const DEMO_SEED_MARKER = "demo_seed";

/** Rows written by this run (all zero when the demo data was already there). */
export interface SeedSummary {
  seeded: boolean;
  llmPrices: number;
  sandboxPrices: number;
  touchpoints: number;
  defaultQuotas: number;
  quotas: number;
  tenants: number;
  users: number;
  apiKeys: number;
  reservations: number;
  costRecords: number;
  sandboxErrors: number;
  spendRollups: number;
  quotaUsage: number;
  /** Sum of the seeded cost records, NUMERIC text. */
  totalCostUsd: string;
  /** denials_daily rows of the demo denials (ADR 0014). */
  denials: number;
  durationMs: number;
}

export interface SeedOptions {
  log?: (msg: string) => void;
  /** End of the generated history (default: the current time). Same `now`, same history. */
  now?: Date;
}

export async function seedDemo(prisma: Db, opts: SeedOptions = {}): Promise<SeedSummary> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? new Date();
  const started = Date.now();
  const summary: SeedSummary = {
    seeded: false, llmPrices: 0, sandboxPrices: 0, touchpoints: 0, defaultQuotas: 0, quotas: 0, tenants: 0,
    users: 0, apiKeys: 0, reservations: 0, costRecords: 0, sandboxErrors: 0, spendRollups: 0, quotaUsage: 0,
    totalCostUsd: toDb(new Money(0)), denials: 0, durationMs: 0,
  };
  const done = () => ({ ...summary, durationMs: Date.now() - started });

  if (await markerExists(prisma)) {
    // The demo key is re-ensured so `npm start` can always print it (a revoked one stays revoked).
    summary.apiKeys = await ensureDemoApiKey(prisma);
    log("demo data already present");
    return done();
  }
  const hashes = await hashMissingUserPasswords(prisma);

  return prisma.$transaction(
    async (tx) => {
      // Two processes seeding at once (npm start + npm run db:seed): the second waits, then sees the marker.
      await tx.$queryRawUnsafe(`SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('tollgate:demo_seed'))) AS l`);
      if (await markerExists(tx)) return done();
      let t = Date.now();
      const phase = (msg: string) => {
        log(`${msg} (${Date.now() - t} ms)`);
        t = Date.now();
      };

      summary.defaultQuotas = await seedDefaultQuotaTemplates(tx);
      summary.quotas += await seedPlatformQuotas(tx);
      const prices = await seedPrices(tx);
      summary.llmPrices = prices.llm;
      summary.sandboxPrices = prices.sandbox;
      summary.touchpoints = await seedTouchpoints(tx);
      phase(`reference data: ${prices.llm} LLM prices, ${prices.sandbox} sandbox tiers, ${summary.touchpoints} touchpoints, quota templates`);

      const tenants = await seedTenants(tx, now);
      summary.tenants = tenants.inserted;
      summary.users = await seedUsers(tx, tenants.ids, hashes);
      summary.quotas += await seedUserQuotas(tx, tenants.ids);
      summary.apiKeys = await ensureDemoApiKey(tx);
      phase(`people: ${summary.tenants} tenants, ${summary.users} users, demo API key`);

      const book = await PriceBook.load(tx);
      const touchpoints = await tx.$queryRawUnsafe<TouchpointInfo[]>(
        `SELECT id, resource::text AS resource, reserves_before_call AS "reservesBeforeCall" FROM touchpoints`,
      );
      const tenantsToFill = DEMO_TENANTS.filter((d) => tenants.ids.has(d.slug));
      const costs = generateHistory({ now, tenants: tenantsToFill, touchpoints, prices: book });
      // acme's default cap per end user (ADR 0016), and today's calls of a user at it and one near it.
      const userCap = userCapLimit(costs, now);
      const capped = tenants.ids.has(DEMO_USER_CAP.tenant) ? cappedUserCalls({ now, limit: userCap, prices: book }) : [];
      costs.push(...capped);
      // The hit user is refused only once they are at the limit: after their last call.
      const capReachedAt = Math.max(0, ...capped.filter((c) => c.userId === DEMO_USER_CAP.hit.userId).map((c) => c.occurredAt));
      const errors = generateSandboxErrors(costs, now);
      summary.totalCostUsd = toDb(costs.reduce((s, c) => s.add(c.costUsd), new Money(0)));
      phase(`generated ${costs.length.toLocaleString("en-US")} calls over 90 days ($${summary.totalCostUsd.replace(/0+$/, "")})`);

      const written = await writeCostHistory(tx, costs, tenants.ids);
      summary.reservations = written.reservations;
      summary.costRecords = written.costRecords;
      summary.sandboxErrors = await writeSandboxErrors(tx, errors, tenants.ids);
      phase(`wrote ${summary.costRecords} cost records, ${summary.reservations} reservations, ${summary.sandboxErrors} sandbox errors`);

      summary.quotas += await seedUserCap(tx, tenants.ids, userCap);
      summary.spendRollups = await buildSpendRollups(tx);
      await tuneTenantQuotas(tx, now, tenants.ids);
      summary.quotaUsage = await buildQuotaUsage(tx, now);
      phase(`derived ${summary.spendRollups} spend rollups and ${summary.quotaUsage} current quota usage rows`);
      summary.denials = await seedDenials(tx, now, tenants.ids, { capReachedAt });
      phase(`${summary.denials} days of denials by users who hit their caps`);

      await tx.$executeRawUnsafe(
        `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING`,
        DEMO_SEED_MARKER,
        JSON.stringify({ seededAt: new Date().toISOString(), historyEndsAt: now.toISOString(), costRecords: summary.costRecords }),
      );
      summary.seeded = true;
      return done();
    },
    // One transaction for the whole seed: a crash leaves nothing half-seeded behind the marker.
    { timeout: 10 * 60_000, maxWait: 60_000 },
  );
}

/**
 * The seed and, when it wrote the demo data, one analysis run at the same `now`: the pages that
 * show stored analysis (TTL advice, forecasts, findings) have it at once instead of after the
 * server's first scheduled run. analysis: null when nothing was seeded.
 */
export async function seedDemoAndAnalyze(
  prisma: Db,
  pool: pg.Pool,
  opts: SeedOptions = {},
): Promise<SeedSummary & { analysis: AnalysisSummary | null }> {
  const log = opts.log ?? (() => {});
  const summary = await seedDemo(prisma, opts);
  if (!summary.seeded) return { ...summary, analysis: null };
  const analysis = await runAnalysis({ pool, now: opts.now, progress: (m) => log(`analysis: ${m}`) });
  if (!analysis.ran) log("analysis: skipped, another instance is running it (`npm run analyze` runs it again)");
  return { ...summary, analysis };
}

async function markerExists(sql: Sql): Promise<boolean> {
  const rows = await sql.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM settings WHERE key = $1`, DEMO_SEED_MARKER);
  return rows.length > 0;
}
