// Helpers for the explorer tests: the record ids a page shows, a date window that excludes
// today (other tests may record costs while these run), and page health checks.
import type { Page } from "@playwright/test";

/** The ids of the records on the page, in display order (each row's time cell carries one). */
export function shownIds(page: Page): Promise<string[]> {
  return page.locator("main [data-record-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-record-id") ?? ""));
}

const DAY_MS = 86_400_000;

/** From 60 days ago to yesterday (UTC): settled history that concurrent tests do not touch. */
export function pastWindow(now = new Date()): { from: string; to: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(today - 60 * DAY_MS), to: iso(today - DAY_MS) };
}

/** Collects console errors, uncaught page errors and failed requests from the moment it is called. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  // The console only says "Failed to load resource"; this names the URL.
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`response: ${r.status()} ${new URL(r.url()).pathname}`);
  });
  return errors;
}

/** How far the page content (inside <main>) reaches past the main area's right edge, in px. */
export function mainOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const main = document.querySelector("main")!;
    return main.scrollWidth - main.clientWidth;
  });
}
