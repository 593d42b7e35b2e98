// The data of `npm run bench:dashboards`: N cost records over 1,000 tenants and 120 days, made
// inside PostgreSQL with generate_series (no row crosses the wire), with the rollups rebuilt
// exactly from them. Records are written in time order, as an append-only ledger is (so the
// heap is correlated with time, as in production). Tenant sizes are skewed the way real platforms are (the largest tenant has
// about a tenth of all records), so "one tenant" queries meet a heavy tenant, not an average one.
import type pg from "pg";

export const TENANTS = 1_000;
export const DAYS = 120;
const CHUNK = 250_000;

// Six models (provider, model, input and output USD per million tokens) and the touchpoints that
// call them (each model is used by two of them); a tenth of the records are sandbox runs.
const MODELS = [
  ["openai", "gpt-4.1", 2, 8],
  ["openai", "gpt-4.1-mini", 0.4, 1.6],
  ["anthropic", "claude-sonnet-4", 3, 15],
  ["anthropic", "claude-haiku-3.5", 0.8, 4],
  ["google", "gemini-2.5-pro", 1.25, 10],
  ["google", "gemini-2.5-flash", 0.3, 2.5],
] as const;
const TOUCHPOINTS = ["main-chat", "merge-summarizer", "compaction:semantic", "title-generator", "code-review", "search-rerank"];
const TIERS = [["standard", "0.0000280"], ["high-cpu", "0.0000560"], ["high-memory", "0.0000700"], ["gpu", "0.0006000"]] as const;

/** `(ARRAY[...]::type[])[index]`: element `index` (1-based SQL expression) of a constant list. */
const pick = (xs: readonly (string | number)[], index: string, type = "text") =>
  `(ARRAY[${xs.map((x) => (typeof x === "number" ? x : `'${x}'`)).join(",")}]::${type}[])[${index}]`;

/** Tenants (their default quotas come from the trigger), a staff user and prices. */
export async function createTenants(c: pg.PoolClient) {
  await c.query(
    `INSERT INTO tenants (slug, name)
     SELECT 'tenant-' || lpad(g::text, 4, '0'), 'Tenant ' || g FROM generate_series(1, ${TENANTS}) g`,
  );
  for (const [provider, model, input, output] of MODELS) {
    await c.query(
      `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from)
       VALUES ($1, $2, $3, $4, now() - interval '400 days')`,
      [provider, model, input, output],
    );
  }
}

/** Inserts `total` records, reporting after each chunk. Secondary indexes are built afterwards. */
export async function loadCostRecords(
  c: pg.PoolClient,
  total: number,
  now: Date,
  progress: { loaded: (done: number) => void; note: (message: string) => void },
  /** Distinct end users per tenant (user-0 … user-(n-1), the low ids the busiest). */
  usersPerTenant = 40,
) {
  await c.query(`SET TIME ZONE 'UTC'`);
  await c.query(`SELECT setseed(0.42)`);
  const indexes = await dropSecondaryIndexes(c);
  for (let start = 1; start <= total; start += CHUNK) {
    const end = Math.min(total, start + CHUNK - 1);
    await c.query(
      `WITH t AS (SELECT array_agg(id ORDER BY slug) AS ids FROM tenants),
            r AS (SELECT g, random() AS rt, random() AS rm, random() AS rs, random() AS ru, random() AS rd,
                         random() AS rk, random() AS ro FROM generate_series(${start}, ${end}) g),
            v AS (SELECT g, t.ids[1 + floor(${TENANTS} * power(rt, 3))::int] AS tenant_id,
                         1 + floor(rm * ${MODELS.length})::int AS m, rs < 0.1 AS sandbox,
                         'user-' || floor(${usersPerTenant} * power(ru, 2))::int AS user_id,
                         $1::timestamptz - ((${total} - g + rd) / ${total}.0 * ${DAYS} * interval '1 day') AS occurred_at,
                         (200 + floor(rk * 6000))::int AS input_tokens, (50 + floor(ro * 1500))::int AS output_tokens,
                         (2000 + floor(rk * 300000))::int AS active_ms, (floor(ro * 300000))::int AS idle_ms
                  FROM r, t)
       INSERT INTO cost_records (tenant_id, user_id, conversation_id, touchpoint, resource, provider, model,
                                 input_tokens, output_tokens, tier, billed_duration_ms, active_duration_ms,
                                 sandbox_ttl_seconds, cost_usd, estimated_cost_usd, idempotency_key, occurred_at, created_at)
       SELECT tenant_id, user_id, 'conv-' || (g / 7), ${pick(TOUCHPOINTS, `1 + ((m + g % 2) % ${TOUCHPOINTS.length})`)},
              CASE WHEN sandbox THEN 'sandbox' ELSE 'llm' END::"ResourceType",
              CASE WHEN sandbox THEN NULL ELSE ${pick(MODELS.map((x) => x[0]), "m")} END,
              CASE WHEN sandbox THEN NULL ELSE ${pick(MODELS.map((x) => x[1]), "m")} END,
              CASE WHEN sandbox THEN NULL ELSE input_tokens END,
              CASE WHEN sandbox THEN NULL ELSE output_tokens END,
              CASE WHEN sandbox THEN ${pick(TIERS.map((x) => x[0]), "1 + (g % 4)")} END,
              CASE WHEN sandbox THEN active_ms + idle_ms END,
              CASE WHEN sandbox THEN active_ms END,
              CASE WHEN sandbox THEN 300 END,
              CASE WHEN sandbox
                THEN round((active_ms + idle_ms) / 1000.0 * ${pick(TIERS.map((x) => x[1]), "1 + (g % 4)", "numeric")}, 10)
                ELSE round((input_tokens * ${pick(MODELS.map((x) => x[2]), "m", "numeric")}
                          + output_tokens * ${pick(MODELS.map((x) => x[3]), "m", "numeric")}) / 1000000, 10) END,
              NULL, 'bench-' || g, occurred_at, occurred_at
       FROM v`,
      [now],
    );
    progress.loaded(end);
  }
  for (const [i, def] of indexes.entries()) {
    progress.note(`building index ${i + 1}/${indexes.length}: ${def.slice(def.indexOf(" ON ") + 4)}`);
    await c.query(def);
  }
}

/** Drops cost_records' non-unique secondary indexes (a bulk load builds them once at the end). */
async function dropSecondaryIndexes(c: pg.PoolClient): Promise<string[]> {
  const { rows } = await c.query(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE tablename = 'cost_records' AND indexdef NOT LIKE 'CREATE UNIQUE%'`,
  );
  for (const r of rows) await c.query(`DROP INDEX "${r.indexname}"`);
  return rows.map((r) => r.indexdef as string);
}

/** The daily rollups, exactly as the core keeps them, derived from the records. */
export async function buildRollups(c: pg.PoolClient) {
  await c.query(
    `INSERT INTO spend_rollups (day, tenant_id, user_id, resource, provider, model, touchpoint, cost_usd,
                                input_tokens, output_tokens, billed_ms, active_ms, records)
     SELECT (occurred_at AT TIME ZONE 'UTC')::date, tenant_id, coalesce(user_id, ''), resource,
            coalesce(provider, ''), coalesce(model, ''), coalesce(touchpoint, ''), sum(cost_usd),
            coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
            coalesce(sum(billed_duration_ms), 0), coalesce(sum(active_duration_ms), 0), count(*)
     FROM cost_records GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  );
  await c.query(`VACUUM ANALYZE cost_records`);
  await c.query(`VACUUM ANALYZE spend_rollups`);
  const { rows } = await c.query(
    `SELECT (SELECT sum(cost_usd) FROM cost_records)::text AS records, (SELECT sum(cost_usd) FROM spend_rollups)::text AS rollups,
            (SELECT count(*) FROM spend_rollups)::int AS rollup_rows`,
  );
  if (rows[0].records !== rows[0].rollups) throw new Error(`rollups ${rows[0].rollups} ≠ records ${rows[0].records}`);
  return { totalUsd: rows[0].records as string, rollupRows: rows[0].rollup_rows as number };
}
