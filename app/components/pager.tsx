// Previous / Next links of a keyset-paged list (the cursors come from services/keyset-page.ts).
// A missing direction stays in place as muted text, so the links do not jump between pages.
import { Link } from "@remix-run/react";

export interface PagerLabels {
  /** Back to the first page (shown once a cursor is in use), e.g. "Newest". */
  first: string;
  previous: string;
  next: string;
  /** The text of a direction with no page (default: its link text). */
  previousDisabled?: string;
  nextDisabled?: string;
}

/** Newest-first lists: newer pages come before, older after. */
export const NEWEST_FIRST_LABELS: PagerLabels = { first: "Newest", previous: "← Newer", next: "Older →" };

export function Pager({
  label,
  page,
  paged,
  href,
  labels = NEWEST_FIRST_LABELS,
}: {
  /** The navigation's accessible name, e.g. "Pages of deliveries". */
  label: string;
  page: { next: string | null; previous: string | null };
  /** A cursor is in the URL (this is not the first page as opened). */
  paged: boolean;
  /** The URL of a page: none for the first, or the cursor to start after/before. */
  href: (p?: { after: string } | { before: string }) => string;
  labels?: PagerLabels;
}) {
  if (!page.next && !page.previous && !paged) return null;
  return (
    <nav className="pager" aria-label={label}>
      {paged && <Link to={href()}>{labels.first}</Link>}
      <PageLink to={page.previous && href({ before: page.previous })} rel="prev" text={labels.previous} disabledText={labels.previousDisabled} />
      <PageLink to={page.next && href({ after: page.next })} rel="next" text={labels.next} disabledText={labels.nextDisabled} />
    </nav>
  );
}

function PageLink({ to, rel, text, disabledText = text }: { to: string | null; rel: "prev" | "next"; text: string; disabledText?: string }) {
  if (to === null) {
    return (
      <span className="pager__disabled" aria-disabled="true">
        {disabledText}
      </span>
    );
  }
  return (
    <Link to={to} rel={rel}>
      {text}
    </Link>
  );
}
