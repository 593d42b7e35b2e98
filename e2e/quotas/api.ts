// The HTTP API as the e2e tests call it: the demo platform key of the demo seed
// (app/services/api-keys.server.ts DEMO_PLATFORM_KEY; not imported, which would load the app).
import { E2E } from "../env.ts";

export const DEMO_PLATFORM_KEY = "tg_demo_platform_key_local_demo_data_only_0001";

export async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${E2E.baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${DEMO_PLATFORM_KEY}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** A unique suffix so parallel tests and repeated runs never share names. */
export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
