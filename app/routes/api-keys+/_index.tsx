// Admin: API keys for /api/v1. Create (the key is shown once), list, revoke — each audited.
import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import adminStyles from "~/components/admin/admin.css";
import { Field } from "~/components/forms/field.tsx";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";
import { formatTime } from "~/components/format.ts";
import { fieldErrors, type FieldErrors } from "~/schemas/forms.ts";
import { NewKeyNotice } from "~/components/admin/new-key-notice.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { CreateApiKeyForm, listApiKeys, type ApiKeyRow } from "~/services/api-keys.page.server.ts";
import { createApiKey, revokeApiKey } from "~/services/api-keys.server.ts";
import { actorFor } from "~/services/audit.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "API keys · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "apiKeys");
  const [keys, tenants] = await Promise.all([listApiKeys(), tenantOptions()]);
  return { keys, tenants };
}

type ActionResult =
  | { intent: "create"; ok: true; key: string; name: string; prefix: string }
  | { intent: "create"; ok: false; fieldErrors: FieldErrors; values: Record<string, string> }
  | { intent: "revoke"; ok: true; message: string };

const Revoke = z.object({ keyId: z.uuid() });

export async function action({ request }: ActionFunctionArgs) {
  const me = await requireArea(request, "apiKeys");
  const form = Object.fromEntries(await request.formData()) as Record<string, string>;
  if (form.intent === "create") {
    const parsed = CreateApiKeyForm.safeParse(form);
    if (!parsed.success) {
      return data<ActionResult>({ intent: "create", ok: false, fieldErrors: fieldErrors(parsed.error), values: form }, { status: 400 });
    }
    try {
      const { key, apiKey } = await createApiKey(actorFor(me), parsed.data);
      // The only response that ever carries the key text; it must not be cached anywhere.
      return data<ActionResult>({ intent: "create", ok: true, key, name: apiKey.name, prefix: apiKey.prefix }, { headers: { "Cache-Control": "no-store" } });
    } catch (e) {
      const f = actionError(e);
      // The one way a valid form fails: its tenant was deleted meanwhile.
      return data<ActionResult>({ intent: "create", ok: false, fieldErrors: { tenantId: f.message }, values: form }, { status: f.status });
    }
  }
  if (form.intent === "revoke") {
    const parsed = Revoke.safeParse(form);
    if (!parsed.success) throw new Response("Bad Request", { status: 400 });
    try {
      const { revoked } = await revokeApiKey(actorFor(me), parsed.data.keyId);
      return { intent: "revoke", ok: true, message: revoked ? "Key revoked. Requests with it now get 401." : "That key was already revoked." } satisfies ActionResult;
    } catch (e) {
      const f = actionError(e);
      return data({ intent: "revoke" as const, ok: false, message: f.message }, { status: f.status });
    }
  }
  throw new Response("Bad Request", { status: 400 });
}

const columns: ColumnDef<ApiKeyRow, any>[] = [
  { accessorKey: "name", header: "Name" },
  { accessorKey: "prefix", header: "Prefix", cell: ({ row }) => <code>{row.original.prefix}…</code>, meta: { optional: true } },
  { id: "scope", accessorFn: (k) => k.tenantSlug ?? "", header: "Scope", cell: ({ row }) => row.original.tenantName ?? "Platform-wide" },
  { id: "createdBy", accessorFn: (k) => k.createdBy ?? "", header: "Created by", cell: ({ row }) => row.original.createdBy ?? "—", meta: { optional: true } },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => formatTime(row.original.createdAt), meta: { optional: true } },
  { id: "lastUsedAt", accessorFn: (k) => k.lastUsedAt ?? "", header: "Last used", cell: ({ row }) => formatTime(row.original.lastUsedAt, "Never"), meta: { optional: true } },
  {
    id: "status",
    accessorFn: (k) => k.revokedAt ?? "",
    header: "Status",
    cell: ({ row }) =>
      row.original.revokedAt ? (
        <span className="badge badge--danger" title={formatTime(row.original.revokedAt)}>
          Revoked {formatTime(row.original.revokedAt)}
        </span>
      ) : (
        <Form
          method="post"
          className="inline-form"
          onSubmit={(e) => {
            if (!confirm(`Revoke “${row.original.name}”? Services using it stop working at once. This cannot be undone.`)) e.preventDefault();
          }}
        >
          <span className="badge badge--ok">Active</span>
          <input type="hidden" name="intent" value="revoke" />
          <input type="hidden" name="keyId" value={row.original.id} />
          <button type="submit" className="button button--small button--danger" aria-label={`Revoke ${row.original.name}`}>
            Revoke
          </button>
        </Form>
      ),
  },
];

export default function ApiKeys() {
  const { keys, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().formData?.get("intent") === "create";
  const errors = result?.intent === "create" && !result.ok ? result.fieldErrors : {};
  const values = result?.intent === "create" && !result.ok ? result.values : {};
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
        <p className="muted">
          Keys for the HTTP API (<code>Authorization: Bearer …</code>). A tenant key sees only its tenant; a platform-wide key sees all.
        </p>
      </div>
      {result?.intent === "create" && result.ok && <NewKeyNotice name={result.name} apiKey={result.key} />}
      {result?.intent === "revoke" && (
        <p className="notice" role="status">
          {result.message}
        </p>
      )}
      <DataTable columns={columns} data={keys} caption="API keys" emptyMessage="No API keys yet. Create one below." getRowId={(k) => k.id} />
      <section className="card" aria-labelledby="new-key" style={{ marginTop: "1.25rem" }}>
        <h2 id="new-key">Create a key</h2>
        <Form method="post" className="admin-form" noValidate key={result?.intent === "create" && result.ok ? result.prefix : "form"}>
          <input type="hidden" name="intent" value="create" />
          <Field id="key-name" name="name" label="Name" error={errors.name} hint="What uses it, e.g. “billing-service (prod)”.">
            {(p) => <input {...p} type="text" autoComplete="off" defaultValue={values.name} />}
          </Field>
          <Field id="key-tenant" name="tenantId" label="Scope" error={errors.tenantId}>
            {(p) => (
              <select {...p} defaultValue={values.tenantId ?? ""}>
                <TenantOptions tenants={tenants} valueBy="id" empty="Platform-wide" withSlug />
              </select>
            )}
          </Field>
          <div className="field--wide">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Creating…" : "Create key"}
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
