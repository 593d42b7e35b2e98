// Control-panel accounts (admin only): list, create, change role, disable/enable. Every change
// and its audit row commit in one transaction (auditedChange). Password hashes never enter the
// audit log.
import { hash } from "@node-rs/argon2";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { MIN_PASSWORD_LENGTH, ROLES } from "~/schemas/users.ts";
import { TollgateError } from "~/core/index.ts";
import { db } from "~/db/client.server.ts";
import { auditedChange, type Actor, type Tx } from "./audit.server.ts";
import type { Role, SessionUser } from "./auth.server.ts";

export { MIN_PASSWORD_LENGTH };


const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** Staff have no tenant; a tenant admin has exactly one (SPEC §3). */
const tenantMatchesRole = (v: { role: Role; tenantId?: string }, ctx: z.RefinementCtx) => {
  if (v.role === "tenant_admin" && !v.tenantId) {
    ctx.addIssue({ code: "custom", path: ["tenantId"], message: "A tenant admin needs a tenant." });
  }
  if (v.role !== "tenant_admin" && v.tenantId) {
    ctx.addIssue({ code: "custom", path: ["tenantId"], message: "Only tenant admins belong to a tenant; leave this empty for staff." });
  }
};

export const CreateUserForm = z
  .object({
    name: safeText({ label: "Name" }).trim().min(1, "Enter a name.").max(100, "At most 100 characters."),
    email: z.string().trim().toLowerCase().max(254, "At most 254 characters.").pipe(z.email("Enter a valid email address.")),
    role: z.enum(ROLES, "Choose a role."),
    tenantId: z.preprocess(blankToUndefined, z.uuid("Choose a tenant.").optional()),
    password: z
      .string("Enter an initial password.")
      .min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`)
      .max(256, "At most 256 characters."),
  })
  .superRefine(tenantMatchesRole);
export type CreateUserInput = z.infer<typeof CreateUserForm>;

export const ChangeRoleForm = z
  .object({
    userId: z.uuid(),
    role: z.enum(ROLES, "Choose a role."),
    tenantId: z.preprocess(blankToUndefined, z.uuid("Choose a tenant.").optional()),
  })
  .superRefine(tenantMatchesRole);

export interface UserRow {
  id: string;
  name: string;
  email: string;
  role: Role;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  lastLoginAt: string | null;
  disabledAt: string | null;
  createdAt: string;
}

export async function listUsers(): Promise<UserRow[]> {
  const users = await db().user.findMany({
    orderBy: [{ disabledAt: { sort: "asc", nulls: "first" } }, { email: "asc" }],
    include: { tenant: { select: { slug: true, name: true } } },
  });
  return users.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    tenantId: u.tenantId,
    tenantSlug: u.tenant?.slug ?? null,
    tenantName: u.tenant?.name ?? null,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    disabledAt: u.disabledAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  }));
}

// The audited shape of a user: what an auditor needs, never the password hash.
const USER_AUDIT_COLUMNS = `id, email, name, role, tenant_id AS "tenantId", disabled_at AS "disabledAt"`;

async function lockUser(tx: Tx, id: string) {
  const { rows } = await tx.query(`SELECT ${USER_AUDIT_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw new TollgateError("not_found", "No such user.");
  return rows[0] as { id: string; email: string; tenantId: string | null };
}

export async function createUser(actor: Actor, input: CreateUserInput) {
  const passwordHash = await hash(input.password);
  return auditedChange(
    actor,
    async (tx) => {
      const { rows } = await tx.query(
        `INSERT INTO users (email, name, role, tenant_id, password_hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${USER_AUDIT_COLUMNS}`,
        [input.email, input.name, input.role, input.tenantId ?? null, passwordHash],
      );
      const user = rows[0];
      return {
        result: user as { id: string; email: string },
        audit: [{ action: "user.create", entityType: "user", entityId: user.id, tenantId: user.tenantId, before: null, after: user }],
      };
    },
    { conflict: "A user with that email already exists." },
  );
}

export async function changeRole(actor: Actor, input: { userId: string; role: Role; tenantId?: string }) {
  // An admin demoting themselves could leave nobody able to manage users.
  if (input.userId === actor.id) throw new TollgateError("invalid_request", "You cannot change your own role.");
  return auditedChange(actor, async (tx) => {
    const before = await lockUser(tx, input.userId);
    const { rows } = await tx.query(`UPDATE users SET role = $2, tenant_id = $3 WHERE id = $1 RETURNING ${USER_AUDIT_COLUMNS}`, [
      input.userId,
      input.role,
      input.tenantId ?? null,
    ]);
    return {
      result: rows[0],
      audit: [{ action: "user.role_change", entityType: "user", entityId: input.userId, tenantId: rows[0].tenantId ?? before.tenantId, before, after: rows[0] }],
    };
  });
}

/** Disabling also deletes the user's sessions, so they are signed out at once. */
export async function setUserDisabled(actor: Actor, userId: string, disabled: boolean) {
  if (disabled && userId === actor.id) throw new TollgateError("invalid_request", "You cannot disable your own account.");
  return auditedChange(actor, async (tx) => {
    const before = await lockUser(tx, userId);
    const { rows } = await tx.query(
      `UPDATE users SET disabled_at = CASE WHEN $2::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END
       WHERE id = $1 RETURNING ${USER_AUDIT_COLUMNS}`,
      [userId, disabled],
    );
    const sessions = disabled ? (await tx.query(`DELETE FROM sessions WHERE user_id = $1`, [userId])).rowCount ?? 0 : 0;
    return {
      result: { user: rows[0], sessionsEnded: sessions },
      audit: [
        {
          action: disabled ? "user.disable" : "user.enable",
          entityType: "user",
          entityId: userId,
          tenantId: before.tenantId,
          before,
          after: rows[0],
        },
      ],
    };
  });
}
