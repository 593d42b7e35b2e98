// "Send test" from the panel: the scope check (a tenant admin may only test their own
// channels), a per-channel rate limit, then alerts-core's sendTestAlert, which sends right now,
// outside the outbox. What comes back depends on who asks: staff see the receiver's answer
// (≤ 200 characters, secrets redacted); a tenant admin only the outcome — a receiver's body or
// an error text would turn "Send test" into a probe of whatever the URL points at.
import { withTransaction } from "~/db/transaction.server.ts";
import { getChannel } from "./channels.page.server.ts";
import type { AlertScope } from "./scope.page.server.ts";
import { sendTestAlert } from "./delivery.server.ts";

/** Test sends per channel per minute, counted in the database so the limit holds across instances. */
export const TEST_SENDS_PER_MINUTE = 5;
const WINDOW_MS = 60_000;

export interface TestAnswer {
  ok: boolean;
  status: number | null;
  outcome: string;
  /** Staff only; null for tenant admins. */
  detail: string | null;
}

/** A refused press is a normal "no", answered as a value (the page shows it as a 429). */
export type TestSendResult = { throttled: false; answer: TestAnswer } | { throttled: true; retryAfterSeconds: number; message: string };

export const testThrottleMessage = (seconds: number) => `Too many test sends; try again in ${seconds} s.`;

export async function sendChannelTest(scope: AlertScope, channelId: string, viewer: { staff: boolean }, now: () => Date = () => new Date()): Promise<TestSendResult> {
  const channel = await getChannel(scope, channelId); // not_found for channels outside the scope
  const retryAfterSeconds = await takeTestSend(channel.id, now());
  if (retryAfterSeconds > 0) return { throttled: true, retryAfterSeconds, message: testThrottleMessage(retryAfterSeconds) };
  const r = await sendTestAlert(channel.id);
  return { throttled: false, answer: { ok: r.ok, status: r.status, outcome: r.outcome, detail: viewer.staff ? r.detail : null } };
}

/**
 * Records one test send unless the channel already had TEST_SENDS_PER_MINUTE in the last
 * minute; returns 0, or the seconds until the oldest of them leaves the window. Count and
 * insert run under an advisory lock on the channel: without it, parallel presses would all
 * pass the count before any was recorded.
 */
async function takeTestSend(channelId: string, now: Date): Promise<number> {
  return withTransaction(async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`alert-test:${channelId}`]);
    const { rows } = await client.query(
      `SELECT sent_at FROM alert_test_sends WHERE channel_id = $1 AND sent_at > $2 ORDER BY sent_at DESC LIMIT ${TEST_SENDS_PER_MINUTE}`,
      [channelId, new Date(now.getTime() - WINDOW_MS)],
    );
    let wait = 0;
    if (rows.length >= TEST_SENDS_PER_MINUTE) {
      const oldest: Date = rows[TEST_SENDS_PER_MINUTE - 1].sent_at;
      wait = Math.max(1, Math.ceil((oldest.getTime() + WINDOW_MS - now.getTime()) / 1000));
    } else {
      await client.query(`INSERT INTO alert_test_sends (channel_id, sent_at) VALUES ($1, $2)`, [channelId, now]);
      // Old presses only ever matter for one minute.
      await client.query(`DELETE FROM alert_test_sends WHERE channel_id = $1 AND sent_at < $2`, [channelId, new Date(now.getTime() - 10 * WINDOW_MS)]);
    }
    return wait;
  });
}
