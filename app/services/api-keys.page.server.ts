// API keys as the admin page manages them: list, create (the key text is returned once and
// never stored), revoke. Key format and hashing live in api-keys.server.ts; the insert happens
// here, on the audit transaction's connection, so a key never exists without its audit row.
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { TollgateError } from "~/core/index.ts";
import { db } from "~/db/client.server.ts";
import { apiKeyPrefix, generateApiKey, hashApiKey } from "./api-keys.server.ts";
import { auditedChange, type Actor } from "./audit.server.ts";
import { forgetApiKey } from "./api/identity.server.ts";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const CreateApiKeyForm = z.object({
  name: safeText({ label: "Name" }).trim().min(1, "Enter a name.").max(100, "At most 100 characters."),
  tenantId: z.preprocess(blankToUndefined, z.uuid("Choose a tenant or platform-wide.").optional()),
});

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  tenantSlug: string | null;
  tenantName: string | null;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listApiKeys(): Promise<ApiKeyRow[]> {
  const keys = await db().apiKey.findMany({
    orderBy: [{ revokedAt: { sort: "asc", nulls: "first" } }, { createdAt: "desc" }],
    include: { tenant: { select: { slug: true, name: true } }, createdBy: { select: { email: true } } },
  });
  return keys.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    tenantSlug: k.tenant?.slug ?? null,
    tenantName: k.tenant?.name ?? null,
    createdBy: k.createdBy?.email ?? null,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  }));
}

const KEY_AUDIT_COLUMNS = `id, name, prefix, tenant_id AS "tenantId", created_by_id AS "createdById", revoked_at AS "revokedAt"`;

/** Creates a key; `key` is the only copy of its text. */
export async function createApiKeyAudited(actor: Actor, input: { name: string; tenantId?: string }) {
  const key = generateApiKey();
  const created = await auditedChange(
    actor,
    async (tx) => {
      const { rows } = await tx.query(
        `INSERT INTO api_keys (name, prefix, hash, tenant_id, created_by_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${KEY_AUDIT_COLUMNS}`,
        [input.name, apiKeyPrefix(key), hashApiKey(key), input.tenantId ?? null, actor.id],
      );
      const row = rows[0];
      return {
        result: row as { id: string; name: string; prefix: string },
        // The prefix identifies the key in the log; the hash and the text stay out of it.
        audit: [{ action: "api_key.create", entityType: "api_key", entityId: row.id, tenantId: row.tenantId, before: null, after: row }],
      };
    },
    // 23503: the chosen tenant was deleted between loading the form and submitting it.
    { conflict: "Could not create the key; try again." },
  ).catch((e) => {
    if ((e as { code?: string }).code === "23503") throw new TollgateError("invalid_request", "That tenant no longer exists.");
    throw e;
  });
  return { key, apiKey: created };
}

/** Revokes a key; revoking an already revoked key changes nothing and writes no audit row. */
export async function revokeApiKeyAudited(actor: Actor, id: string) {
  const revoked = await auditedChange(actor, async (tx) => {
    const { rows: found } = await tx.query(`SELECT ${KEY_AUDIT_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
    const before = found[0];
    if (!before) throw new TollgateError("not_found", "No such API key.");
    if (before.revokedAt) return { result: { revoked: false }, audit: [] };
    const { rows } = await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${KEY_AUDIT_COLUMNS}`, [id]);
    return {
      result: { revoked: true },
      audit: [{ action: "api_key.revoke", entityType: "api_key", entityId: id, tenantId: before.tenantId, before, after: rows[0] }],
    };
  });
  forgetApiKey(id);
  return revoked;
}
