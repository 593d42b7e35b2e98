// "Send test": posts to the channel page's action without leaving the page and shows the
// outcome right under the button; staff also see what the receiver answered (≤ 200 characters).
// Tenant admins get the outcome only (the server never sends them the detail).
import { useFetcher } from "@remix-run/react";

export interface TestAnswer {
  ok: boolean;
  status: number | null;
  outcome: string;
  detail: string | null;
}

export function SendTestButton({ channelName }: { channelName: string }) {
  const fetcher = useFetcher<{ test: TestAnswer | null; throttled: string | null }>();
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data?.test;
  const throttled = fetcher.data?.throttled;
  return (
    <div className="card">
      <h2>Send a test</h2>
      <p className="muted">Sends a clearly labelled test message to “{channelName}” right now (not through the outbox).</p>
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="test" />
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Sending…" : "Send test"}
        </button>
      </fetcher.Form>
      <div role="status" aria-live="polite">
        {throttled && !busy && (
          <p className="form-error" data-testid="test-throttled">
            {throttled}
          </p>
        )}
        {answer && !busy && (
          <div className={`test-answer ${answer.ok ? "test-answer--ok" : "test-answer--fail"}`} data-testid="test-answer">
            <strong>{answer.ok ? "Test delivered." : "Test failed."}</strong> {answer.status !== null && `Status ${answer.status}. `}
            Outcome: {answer.outcome}.
            {answer.detail !== null && (
              <>
                {" "}
                {answer.status !== null ? "The receiver answered:" : "Detail:"}
                <pre>{answer.detail || "(empty answer)"}</pre>
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
