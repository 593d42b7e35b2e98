// GET /api/v1/tenants/{tenantId}/spend: a tenant's spend grouped by day, model, user, touchpoint
// or resource. Reads spend_rollups only (kept current with every cost record), never the raw
// ledger, so any range answers quickly.
import { money, toJson } from "~/core/index.ts";
import { rows } from "~/db/rows.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import { spendQuery } from "~/schemas/api.ts";
import type { ApiContext } from "./handler.server.ts";
import { resolveTenant } from "./handler.server.ts";
import { parseQuery } from "./request.server.ts";
import { ApiError, json } from "./respond.server.ts";

type GroupBy = "day" | "model" | "user" | "touchpoint" | "resource";

// Absent dimensions are '' in the rollups; they come out as key null ("not reported").
const KEY: Record<GroupBy, string> = {
  day: `to_char(day, 'YYYY-MM-DD')`,
  model: `CASE WHEN model = '' THEN NULL WHEN provider = '' THEN model ELSE provider || '/' || model END`,
  user: `NULLIF(user_id, '')`,
  touchpoint: `NULLIF(touchpoint, '')`,
  resource: `resource::text`,
};
// Days read as a timeline; the other groupings as a ranking.
const ORDER: Record<GroupBy, string> = {
  day: "key",
  model: "sum(cost_usd) DESC, key NULLS LAST",
  user: "sum(cost_usd) DESC, key NULLS LAST",
  touchpoint: "sum(cost_usd) DESC, key NULLS LAST",
  resource: "sum(cost_usd) DESC, key",
};

export interface SpendRow {
  key: string | null;
  costUsd: number;
  records: number;
  inputTokens: number;
  outputTokens: number;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function tenantSpend(tenantId: string, q: { from: string; to: string; groupBy: GroupBy }) {
  // Defence in depth (SPEC §9): the read runs as the row-level-security role scoped to this
  // tenant, so even a wrong filter below could not return another tenant's rollups.
  const found = await withTenantScope(tenantId, (tx) =>
    rows<{ key: string | null; cost: string; records: string; input: string; output: string }>(
      tx,
      `SELECT ${KEY[q.groupBy]} AS key, sum(cost_usd)::text AS cost, sum(records)::bigint::text AS records,
              sum(input_tokens)::text AS input, sum(output_tokens)::text AS output
         FROM spend_rollups
        WHERE tenant_id = $1 AND day >= $2::date AND day <= $3::date
        GROUP BY 1 ORDER BY ${ORDER[q.groupBy]}`,
      [tenantId, q.from, q.to],
    ),
  );
  const total = found.reduce((s, r) => s.add(r.cost), money(0));
  const out: SpendRow[] = found.map((r) => ({
    key: r.key,
    costUsd: toJson(r.cost),
    records: Number(r.records),
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
  }));
  return { rows: out, totalUsd: toJson(total) };
}

export async function spend({ request, params, key }: ApiContext) {
  const q = parseQuery(request, spendQuery);
  const tenant = await resolveTenant(key, params.tenantId ?? "");
  const today = new Date();
  const from = q.from ?? isoDay(new Date(today.getTime() - 30 * DAY_MS));
  const to = q.to ?? isoDay(today);
  if (from > to) throw new ApiError(400, "invalid_request", "from is after to.", [{ path: "from", message: "must not be after to" }]);
  return json({ tenantId: tenant.id, from, to, groupBy: q.groupBy, ...(await tenantSpend(tenant.id, { from, to, groupBy: q.groupBy })) });
}
