// The date range and grouping of a spend page, kept in the URL (?from=&to=&grain=): a GET form
// plus one-click presets. Days are UTC calendar days, both ends included.
import { Form, Link } from "@remix-run/react";
import { useId } from "react";
import type { FieldIssue, SpendRange } from "~/schemas/records.ts";

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function presets(today: string, grain: SpendRange["grain"]) {
  const t = Date.parse(`${today}T00:00:00Z`);
  const lastDays = (n: number) => ({ from: isoDay(t - (n - 1) * DAY_MS), to: today });
  const monthStart = `${today.slice(0, 8)}01`;
  return [
    { label: "Last 7 days", ...lastDays(7), grain: "day" as const },
    { label: "Last 30 days", ...lastDays(30), grain },
    { label: "Last 90 days", ...lastDays(90), grain },
    { label: "This month", from: monthStart, to: today, grain },
  ];
}

export function DateRangeForm({
  range,
  today,
  issues,
  action,
}: {
  range: SpendRange;
  /** Today (UTC), for the presets. */
  today: string;
  issues: FieldIssue[];
  action: string;
}) {
  const id = useId();
  const issueFor = (f: string) => issues.find((i) => i.field === f);
  const describedBy = (f: string) => (issueFor(f) ? `${id}-issues` : undefined);
  return (
    <div className="range-picker">
      <Form method="get" action={action} className="range-form" aria-label="Date range" key={`${range.from}:${range.to}:${range.grain}`}>
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} type="date" name="from" defaultValue={range.from} required aria-invalid={issueFor("from") ? true : undefined} aria-describedby={describedBy("from")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To (included)</label>
          <input id={`${id}-to`} type="date" name="to" defaultValue={range.to} required aria-invalid={issueFor("to") ? true : undefined} aria-describedby={describedBy("to")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-grain`}>Group by</label>
          <select id={`${id}-grain`} name="grain" defaultValue={range.grain}>
            <option value="day">Day</option>
            <option value="week">Week</option>
          </select>
        </div>
        <button type="submit" className="button button--primary">
          Show
        </button>
      </Form>
      <ul className="range-presets" aria-label="Quick ranges">
        {presets(today, range.grain).map((p) => {
          const current = p.from === range.from && p.to === range.to;
          return (
            <li key={p.label}>
              <Link
                to={`${action}?${new URLSearchParams({ from: p.from, to: p.to, grain: p.grain })}`}
                aria-current={current ? "true" : undefined}
              >
                {p.label}
              </Link>
            </li>
          );
        })}
      </ul>
      {issues.length > 0 && (
        <div className="form-error" role="alert" id={`${id}-issues`}>
          {issues.map((i) => (
            <p key={i.field}>{i.message}</p>
          ))}
          <p>Showing the last 30 days instead.</p>
        </div>
      )}
    </div>
  );
}
