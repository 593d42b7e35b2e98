// "Send test": posts to the channel page's action without leaving the page and shows what the
// receiver answered (status and body, or the connection error) right under the button.
import { useFetcher } from "@remix-run/react";

export interface TestAnswer {
  ok: boolean;
  status: number | null;
  response: string;
}

export function SendTestButton({ channelName }: { channelName: string }) {
  const fetcher = useFetcher<{ test?: TestAnswer }>();
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data?.test;
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
        {answer && !busy && (
          <div className={`test-answer ${answer.ok ? "test-answer--ok" : "test-answer--fail"}`} data-testid="test-answer">
            <strong>{answer.ok ? "Test delivered." : "Test failed."}</strong>{" "}
            {answer.status !== null ? `Status ${answer.status}. The receiver answered:` : "No answer from the receiver:"}
            <pre>{answer.response || "(empty answer)"}</pre>
          </div>
        )}
      </div>
    </div>
  );
}
