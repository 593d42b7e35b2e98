// API keys as the admin page shows them: the list and the create form. Creating and revoking
// (audited) are the domain's: api-keys.server.ts.
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { db } from "~/db/client.server.ts";

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
