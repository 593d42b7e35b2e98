// The roles (SPEC §6), as a value both the server and the browser can import: the user forms
// list them, and services/policy.server.ts says what each may do.
import type { UserRole } from "~/generated/prisma/enums.ts";

export const ROLES = ["admin", "finance", "ops", "tenant_admin"] as const satisfies readonly UserRole[];
export type Role = (typeof ROLES)[number];

// Fails to compile when the schema gains a role this list lacks.
const everyRole: Exclude<UserRole, Role> extends never ? true : false = true;
void everyRole;
