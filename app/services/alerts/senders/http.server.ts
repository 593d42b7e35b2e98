// One HTTP POST with a timeout, answered as "<status> <body>" for the delivery log.
export interface SendResult {
  ok: boolean;
  status: number | null;
  /** The receiver's answer ("200 ok", "250 2.0.0 queued") or the error text. */
  response: string;
}

export const SEND_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_CHARS = 500;

export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<SendResult> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "Tollgate-Alerts/1", ...headers },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: "manual",
    });
    const text = (await res.text()).trim().slice(0, MAX_RESPONSE_CHARS);
    return { ok: res.status >= 200 && res.status < 300, status: res.status, response: `${res.status} ${text}`.trim() };
  } catch (e) {
    return { ok: false, status: null, response: describeError(e) };
  }
}

/** fetch hides the reason in `cause` ("fetch failed" → "connect ECONNREFUSED 127.0.0.1:9"). */
export function describeError(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err?.name === "TimeoutError") return `timed out after ${SEND_TIMEOUT_MS / 1000} s`;
  // undici refuses ports of other protocols (e.g. 25, 9) with just "bad port".
  if (err?.cause?.message === "bad port") return "port not allowed for HTTP (fetch's blocked-port list)";
  return err?.cause?.message ?? err?.message ?? String(e);
}
