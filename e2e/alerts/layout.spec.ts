// The alert pages on a phone (390 px: nothing wider than the screen) and by keyboard ("Send test"
// is reachable with Tab and shows the receiver's answer, here a failure, inline).
import type pg from "pg";
import { expect, loginAs, test } from "../fixtures.ts";
import { unique } from "../quotas/api.ts";
import { startReceiver } from "./receiver.ts";

async function platformChannel(db: pg.Pool, url: string) {
  // No secret stored: the test send must fail with a clear answer instead of sending unsigned.
  const { rows } = await db.query(
    `INSERT INTO alert_channels (type, name, config) VALUES ('webhook', $1, $2::jsonb) RETURNING id`,
    [`Layout hook ${unique()} with a rather long name to wrap`, JSON.stringify({ source: "panel", url })],
  );
  return rows[0].id as string;
}

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the alert pages fit a 390 px screen", async ({ page, db }) => {
    const id = await platformChannel(db, "http://127.0.0.1:9/a/very/long/path/that/should/wrap/rather/than/overflow/the/screen");
    await loginAs(page, "ops");
    for (const path of ["/alerts", `/alerts/channels/${id}`, "/alerts/channels/new", "/alerts/rules", "/alerts/rules/new", "/alerts/deliveries"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
    }
  });
});

test("keyboard: Tab reaches “Send test”, Enter sends it and the answer appears inline", async ({ page, db }) => {
  const receiver = await startReceiver();
  try {
    const id = await platformChannel(db, receiver.url("/kb"));
    await loginAs(page, "ops");
    await page.goto(`/alerts/channels/${id}`);
    await expect(page).toHaveTitle(/^Layout hook .* · Alert channels · Tollgate$/);
    const button = page.getByRole("button", { name: "Send test" });
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await button.evaluate((b) => b === document.activeElement);
    }
    expect(reached, "Send test is reachable with Tab").toBe(true);
    await page.keyboard.press("Enter");
    const answer = page.getByTestId("test-answer");
    await expect(answer).toContainText("Test failed.");
    await expect(answer).toContainText(/secret/i);
    expect(receiver.received).toHaveLength(0); // nothing unsigned left the server
  } finally {
    await receiver.close();
  }
});
