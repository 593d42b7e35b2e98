// Admin: control-panel accounts. List, create, change role, disable/enable — each audited.
import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import adminStyles from "~/components/admin/admin.css";
import { Field } from "~/components/forms/field.tsx";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";
import { fieldErrors, type FieldErrors } from "~/schemas/forms.ts";
import { MIN_PASSWORD_LENGTH, ROLES } from "~/schemas/users.ts";
import { UserActions } from "~/components/admin/user-actions.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatTime, ROLE_LABEL } from "~/components/format.ts";
import { actorFor } from "~/services/audit.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";
import {
  changeRole,
  ChangeRoleForm,
  createUser,
  CreateUserForm,
  listUsers,
  setUserDisabled,
  type UserRow,
} from "~/services/users.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Users · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const me = await requireArea(request, "users");
  const [users, tenants] = await Promise.all([listUsers(), tenantOptions()]);
  return { users, tenants, meId: me.id };
}

type ActionResult =
  | { intent: "create"; ok: false; fieldErrors: FieldErrors; values: Record<string, string> }
  | { intent: "create"; ok: true; message: string }
  | { intent: "row"; ok: boolean; userId: string; message: string };

const Toggle = z.object({ userId: z.uuid() });

export async function action({ request }: ActionFunctionArgs) {
  const me = await requireArea(request, "users");
  const actor = actorFor(me);
  const form = Object.fromEntries(await request.formData()) as Record<string, string>;
  const intent = form.intent;

  if (intent === "create") {
    const parsed = CreateUserForm.safeParse(form);
    const { password: _omit, ...values } = form;
    if (!parsed.success) {
      return data<ActionResult>({ intent, ok: false, fieldErrors: fieldErrors(parsed.error), values }, { status: 400 });
    }
    try {
      const user = await createUser(actor, parsed.data);
      return { intent, ok: true, message: `Created ${user.email}. They can sign in now.` } satisfies ActionResult;
    } catch (e) {
      const f = actionError(e);
      // The one conflict a new user can hit is an email already in use.
      return data<ActionResult>({ intent, ok: false, fieldErrors: f.status === 409 ? { email: f.message } : f.errors, values }, { status: f.status });
    }
  }

  const userId = String(form.userId ?? "");
  try {
    if (intent === "role") {
      const parsed = ChangeRoleForm.safeParse(form);
      if (!parsed.success) {
        return data<ActionResult>({ intent: "row", ok: false, userId, message: parsed.error.issues[0].message }, { status: 400 });
      }
      await changeRole(actor, parsed.data);
      return { intent: "row", ok: true, userId, message: `Role changed to ${ROLE_LABEL[parsed.data.role]}.` } satisfies ActionResult;
    }
    if (intent === "disable" || intent === "enable") {
      const { userId: id } = Toggle.parse(form);
      const result = await setUserDisabled(actor, id, intent === "disable");
      const message =
        intent === "disable" ? `Disabled ${result.user.email}; ${result.sessionsEnded} session(s) ended.` : `Enabled ${result.user.email}.`;
      return { intent: "row", ok: true, userId, message } satisfies ActionResult;
    }
  } catch (e) {
    const f = actionError(e);
    return data<ActionResult>({ intent: "row", ok: false, userId, message: f.message }, { status: f.status });
  }
  throw new Response("Bad Request", { status: 400 });
}

export default function Users() {
  const { users, tenants, meId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();

  const columns: ColumnDef<UserRow, any>[] = [
    { accessorKey: "name", header: "Name" },
    { accessorKey: "email", header: "Email" },
    { accessorKey: "role", header: "Role", cell: ({ row }) => ROLE_LABEL[row.original.role] },
    { id: "tenant", accessorFn: (u) => u.tenantSlug ?? "", header: "Tenant", cell: ({ row }) => row.original.tenantName ?? "—", meta: { optional: true } },
    {
      id: "lastLoginAt",
      accessorFn: (u) => u.lastLoginAt ?? "",
      header: "Last sign-in",
      cell: ({ row }) => formatTime(row.original.lastLoginAt, "Never"),
      meta: { optional: true },
    },
    {
      id: "status",
      accessorFn: (u) => (u.disabledAt ? "disabled" : "active"),
      header: "Status",
      cell: ({ row }) =>
        row.original.disabledAt ? <span className="badge badge--danger">Disabled</span> : <span className="badge badge--ok">Active</span>,
    },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      cell: ({ row }) => (
        <UserActions user={row.original} isSelf={row.original.id === meId} tenants={tenants} result={result?.intent === "row" && result.userId === row.original.id ? result : undefined} />
      ),
    },
  ];

  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
        <p className="muted">People who sign in to this control panel. Changes are recorded in the audit log.</p>
      </div>
      <DataTable columns={columns} data={users} caption="Control-panel users" emptyMessage="There are no users yet." getRowId={(u) => u.id} />
      <section className="card" aria-labelledby="new-user" style={{ marginTop: "1.25rem" }}>
        <h2 id="new-user">Add a user</h2>
        <CreateUser tenants={tenants} result={result?.intent === "create" ? result : undefined} busy={navigation.formData?.get("intent") === "create"} />
      </section>
    </>
  );
}

function CreateUser({
  tenants,
  result,
  busy,
}: {
  tenants: { id: string; slug: string; name: string }[];
  result: Extract<ActionResult, { intent: "create" }> | undefined;
  busy: boolean;
}) {
  const errors = result && !result.ok ? result.fieldErrors : {};
  const values = result && !result.ok ? result.values : {};
  const [role, setRole] = useState(values.role ?? "ops");
  // After a successful create the form remounts empty.
  const formKey = result?.ok ? result.message : "form";
  return (
    <>
      {result?.ok && (
        <p className="notice" role="status">
          {result.message}
        </p>
      )}
      <Form method="post" className="admin-form" noValidate key={formKey}>
        <input type="hidden" name="intent" value="create" />
        <Field id="new-name" name="name" label="Name" error={errors.name}>
          {(p) => <input {...p} type="text" autoComplete="off" defaultValue={values.name} />}
        </Field>
        <Field id="new-email" name="email" label="Email" error={errors.email}>
          {(p) => <input {...p} type="email" autoComplete="off" defaultValue={values.email} />}
        </Field>
        <Field id="new-role" name="role" label="Role" error={errors.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="new-tenant" name="tenantId" label="Tenant" error={errors.tenantId} hint="Required for tenant admins; staff have no tenant.">
          {(p) => (
            <select {...p} defaultValue={values.tenantId ?? ""} disabled={role !== "tenant_admin"}>
              <TenantOptions tenants={tenants} valueBy="id" empty={role === "tenant_admin" ? "Choose a tenant…" : "None (staff)"} withSlug />
            </select>
          )}
        </Field>
        <Field id="new-password" name="password" label="Initial password" error={errors.password} hint={`At least ${MIN_PASSWORD_LENGTH} characters. Share it with the person securely.`} wide>
          {(p) => <input {...p} type="password" autoComplete="new-password" />}
        </Field>
        <div className="field--wide">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Creating…" : "Create user"}
          </button>
        </div>
      </Form>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
