// The end of both alert forms (channel and rule): the Enabled box (ticked unless the values say
// false) and the submit button, with the page's own actions (Cancel, Delete) beside it.
import type { ReactNode } from "react";

export function EnabledAndSubmit({ enabled, busy, submitLabel, children }: { enabled: unknown; busy: boolean; submitLabel: string; children?: ReactNode }) {
  return (
    <>
      <div className="field field--check">
        <input type="checkbox" id="f-enabled" name="enabled" defaultChecked={enabled !== false} />
        <label htmlFor="f-enabled">Enabled</label>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {submitLabel}
        </button>
        {children}
      </div>
    </>
  );
}
