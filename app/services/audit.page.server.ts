// Reading the audit log (writing is audit.server.ts): filters from the URL, newest first, keyset
// pages on (at, id) so page 500 costs what page 1 does (index audit_log(at DESC)).
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { dbPool } from "~/db/client.server.ts";
import type pg from "pg";

export const AUDIT_PAGE_SIZE = 50;

const blank = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim()) : v);
const day = z.preprocess(blank, z.iso.date("Use a date like 2026-11-01.").optional());

export const AuditFilters = z
  .object({
    actor: z.preprocess(blank, safeText().max(200).optional()),
    action: z.preprocess(blank, safeText().max(100).optional()),
    entity: z.preprocess(blank, safeText().max(100).optional()),
    tenant: z.preprocess(blank, safeText().max(100).optional()),
    from: day,
    to: day,
    /** "<ISO time>_<id>": the last row of the previous page. */
    cursor: z.preprocess(blank, z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z_\d+$/).optional()),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "“To” must not be before “From”." });
export type AuditFilters = z.infer<typeof AuditFilters>;

export interface AuditRow {
  id: string;
  at: string;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string | null;
  tenantSlug: string | null;
  before: unknown;
  after: unknown;
}

/** Parses the page's URL: invalid filters are reported and dropped, never a 500. */
export function parseAuditFilters(params: URLSearchParams): { filters: AuditFilters; issues: { field: string; message: string }[] } {
  const raw = Object.fromEntries(params);
  const parsed = AuditFilters.safeParse(raw);
  if (parsed.success) return { filters: parsed.data, issues: [] };
  const issues = parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ""), message: i.message }));
  const bad = new Set(issues.map((i) => i.field));
  const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k) && !(bad.has("to") && k === "from")));
  return { filters: AuditFilters.safeParse(kept).data ?? {}, issues };
}

export async function listAuditLog(
  filters: AuditFilters,
  opts: { pool?: pg.Pool; limit?: number } = {},
): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  const limit = opts.limit ?? AUDIT_PAGE_SIZE;
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => `$${args.push(v)}`;
  // Actor matches the label anywhere ("acme", "user:ops@", "api-key:"), case-insensitively.
  if (filters.actor) where.push(`a.actor_label ILIKE ${arg(`%${filters.actor.replace(/[\\%_]/g, "\\$&")}%`)}`);
  if (filters.action) where.push(`a.action = ${arg(filters.action)}`);
  if (filters.entity) where.push(`a.entity_type = ${arg(filters.entity)}`);
  if (filters.tenant) where.push(`t.slug = ${arg(filters.tenant)}`);
  if (filters.from) where.push(`a.at >= ${arg(filters.from)}::date::timestamp AT TIME ZONE 'UTC'`);
  if (filters.to) where.push(`a.at < (${arg(filters.to)}::date + 1)::timestamp AT TIME ZONE 'UTC'`);
  if (filters.cursor) {
    const [at, id] = filters.cursor.split("_");
    where.push(`(a.at, a.id) < (${arg(at)}::timestamptz, ${arg(id)}::bigint)`);
  }
  const { rows } = await (opts.pool ?? dbPool()).query(
    `SELECT a.id::text AS id, a.at, a.actor_label AS "actorLabel", a.action, a.entity_type AS "entityType",
            a.entity_id AS "entityId", t.slug AS "tenantSlug", a.before, a.after
       FROM audit_log a LEFT JOIN tenants t ON t.id = a.tenant_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY a.at DESC, a.id DESC
      LIMIT ${arg(limit + 1)}`,
    args,
  );
  const page = rows.slice(0, limit).map((r) => ({ ...r, at: (r.at as Date).toISOString() })) as AuditRow[];
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last ? `${last.at}_${last.id}` : null };
}

/** The values the action and entity filters offer. */
export async function auditFilterOptions(pool: pg.Pool = dbPool()) {
  const [actions, entities] = await Promise.all([
    pool.query<{ v: string }>(`SELECT DISTINCT action AS v FROM audit_log ORDER BY 1 LIMIT 200`),
    pool.query<{ v: string }>(`SELECT DISTINCT entity_type AS v FROM audit_log ORDER BY 1 LIMIT 200`),
  ]);
  return { actions: actions.rows.map((r) => r.v), entityTypes: entities.rows.map((r) => r.v) };
}

/** Field-by-field comparison of a before/after pair (top-level keys, in a stable order). */
/** One top-level field of an audit entry, before and after. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : v == null ? {} : { value: v });
  const b = obj(before);
  const a = obj(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.map((field) => ({
    field,
    before: b[field],
    after: a[field],
    changed: JSON.stringify(b[field]) !== JSON.stringify(a[field]),
  }));
}
