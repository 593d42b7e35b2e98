// Values both the admin pages' services and their components need (a *.server.ts module is
// empty in the browser bundle, so the components cannot import these from the services).
export const MIN_PASSWORD_LENGTH = 12;

export const SANDBOX_STAGES = [
  "initialization",
  "quota_validation",
  "resource_allocation",
  "connection",
  "execution",
  "result_retrieval",
  "cleanup",
  "monitoring",
  "unknown",
] as const;
export type SandboxStage = (typeof SANDBOX_STAGES)[number];

/** How many recent sandbox errors the page lists. */
export const RECENT_SANDBOX_ERRORS = 100;
