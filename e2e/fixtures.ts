// Shared e2e helpers: the demo logins (SPEC §2), loginAs, and a `db` fixture for checking what
// the pages show against the database the e2e server uses.
import { test as base, expect, type Page } from "@playwright/test";
import pg from "pg";
import { E2E } from "./env.ts";

export { expect };

export const DEMO_PASSWORD = "tollgate-demo";

/**
 * For page.request posts that stand in for a form of our own pages: Playwright's API requests
 * carry no Origin (a browser's always do), and the panel refuses state changes without one
 * (scripts/lib/panel-guard.ts).
 */
export const SAME_ORIGIN = { Origin: E2E.baseUrl } as const;

export const DEMO_USERS = {
  admin: { email: "admin@tollgate.dev", home: "/admin" },
  finance: { email: "finance@tollgate.dev", home: "/admin" },
  ops: { email: "ops@tollgate.dev", home: "/admin" },
  acme_admin: { email: "admin@acme.test", home: "/t/acme" },
  globex_admin: { email: "admin@globex.test", home: "/t/globex" },
} as const;

export type DemoRole = keyof typeof DEMO_USERS;

/** Fills and submits the sign-in form (the page must be on /login) and waits for the answer. */
export async function submitSignIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  // Waiting for the POST's response keeps consecutive submissions from overlapping.
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/login"));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await answered;
}

/** Signs in as a demo user and waits for their home page. */
export async function loginAs(page: Page, role: DemoRole) {
  const user = DEMO_USERS[role];
  await page.goto("/login");
  await submitSignIn(page, user.email, DEMO_PASSWORD);
  await expect(page).toHaveURL(user.home);
  return user;
}

/** The names of the main navigation's links, in order. */
/** The main navigation's links; assert with `toHaveText([...])`, which waits for them. */
export function navLinks(page: Page) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link");
}

/** A page that answered 404 shows the not-found page (status and heading). */
export async function expectNotFound(page: Page, path: string) {
  const response = await page.goto(path);
  expect(response?.status(), `${path} should answer 404`).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page).toHaveTitle(/Page not found/);
}

/** An email no demo user has, unique per test, so throttling tests never affect others. */
export function throwawayEmail(testTitle: string) {
  const slug = testTitle.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 30);
  return `${slug}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@nobody.test`;
}

export const test = base.extend<{}, { db: pg.Pool }>({
  db: [
    async ({}, use) => {
      const pool = new pg.Pool({ connectionString: E2E.databaseUrl(), max: 2 });
      await use(pool);
      await pool.end();
    },
    { scope: "worker" },
  ],
});
