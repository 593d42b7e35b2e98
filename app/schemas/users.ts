// Users' values both the server and the browser need: the roles (SPEC §6; what each may do is
// services/policy.server.ts) and the shortest password the user forms accept.
import type { UserRole } from "~/generated/prisma/enums.ts";

export const ROLES = ["admin", "finance", "ops", "tenant_admin"] as const satisfies readonly UserRole[];
export type Role = (typeof ROLES)[number];

// Fails to compile when the schema gains a role this list lacks.
const everyRole: Exclude<UserRole, Role> extends never ? true : false = true;
void everyRole;

export const MIN_PASSWORD_LENGTH = 12;
