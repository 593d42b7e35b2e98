// Per-row controls of the users table: change role (with tenant for tenant admins) and
// disable/enable. An admin's own row offers neither (no self-lockout).
import { Form } from "@remix-run/react";
import { useState } from "react";
import { ROLE_LABEL } from "../format.ts";
import { ROLES } from "~/schemas/users.ts";


export function UserActions({
  user,
  isSelf,
  tenants,
  result,
}: {
  user: { id: string; email: string; role: (typeof ROLES)[number]; tenantId: string | null; disabledAt: string | null };
  isSelf: boolean;
  tenants: { id: string; slug: string; name: string }[];
  result?: { ok: boolean; message: string };
}) {
  const [role, setRole] = useState<string>(user.role);
  if (isSelf) return <span className="muted">You</span>;
  const idBase = `user-${user.id}`;
  return (
    <div className="inline-form">
      <Form method="post" className="inline-form" aria-label={`Change role of ${user.email}`}>
        <input type="hidden" name="intent" value="role" />
        <input type="hidden" name="userId" value={user.id} />
        {/* aria-label, not a visually hidden <label>: an absolutely positioned label inside the
            scrolling table would widen the page on phones. */}
        <select id={`${idBase}-role`} aria-label={`Role of ${user.email}`} name="role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
        {role === "tenant_admin" && (
          <>
            <select id={`${idBase}-tenant`} aria-label={`Tenant of ${user.email}`} name="tenantId" defaultValue={user.tenantId ?? ""}>
              <option value="">Choose a tenant…</option>
              {tenants.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.slug}
                </option>
              ))}
            </select>
          </>
        )}
        <button type="submit" className="button button--small">
          Save role
        </button>
      </Form>
      <Form
        method="post"
        className="inline-form"
        onSubmit={(e) => {
          if (!user.disabledAt && !confirm(`Disable ${user.email}? They are signed out at once.`)) e.preventDefault();
        }}
      >
        <input type="hidden" name="intent" value={user.disabledAt ? "enable" : "disable"} />
        <input type="hidden" name="userId" value={user.id} />
        <button type="submit" className={`button button--small${user.disabledAt ? "" : " button--danger"}`} aria-label={`${user.disabledAt ? "Enable" : "Disable"} ${user.email}`}>
          {user.disabledAt ? "Enable" : "Disable"}
        </button>
      </Form>
      {result && (
        <p className={result.ok ? "muted" : "field-error"} role={result.ok ? "status" : "alert"} style={{ margin: 0, whiteSpace: "normal" }}>
          {result.message}
        </p>
      )}
    </div>
  );
}
