// A before/after view of one audit entry: one row per top-level field, changed fields
// highlighted (background and a "changed" marker, so it does not rely on colour alone).
import type { FieldChange } from "~/services/audit.page.server.ts";

const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v, null, 2));

export function JsonDiff({ changes, caption }: { changes: FieldChange[]; caption: string }) {
  if (changes.length === 0) return <p className="muted">No before or after state was recorded.</p>;
  return (
    // aria-label rather than a visually hidden caption: an absolutely positioned caption inside
    // the scrolling table would widen the page on phones.
    <table className="json-diff" aria-label={caption}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.field} className={c.changed ? "is-changed" : undefined} data-changed={c.changed ? "true" : undefined}>
            <th scope="row">{c.field}</th>
            <td>
              <code>{show(c.before)}</code>
            </td>
            <td>
              <code>{show(c.after)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
