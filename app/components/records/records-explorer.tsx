// The cost-records explorer, for every tenant (staff) or one tenant: filters, the page of
// records, Previous/Next (keyset cursors in the URL) and the CSV export of the same filters.
import { Link, useNavigation } from "@remix-run/react";
import { DataTable } from "~/components/data-table.tsx";
import { PAGE_SIZE, SORT_LABEL, hasFilters, recordsSearch, type RecordFilters, type RecordSort } from "~/schemas/records.ts";
import { Pager } from "~/components/pager.tsx";
import type { ExplorerData } from "~/services/records.page.server.ts";
import { recordColumns, type RecordRow } from "./record-columns.tsx";
import { RecordsFilterForm } from "./records-filter-form.tsx";

export function RecordsExplorer({ data, caption }: { data: ExplorerData; caption: string }) {
  const { basePath, showTenant, values, issues, query, page, options } = data;
  const navigation = useNavigation();
  const busy = navigation.state === "loading" && navigation.location.pathname === basePath;

  return (
    <>
      <RecordsFilterForm basePath={basePath} showTenant={showTenant} values={values} issues={issues} options={options} busy={busy} />

      {issues.length > 0 && (
        <div className="form-error" role="alert">
          <p>
            <strong>These filters could not be used:</strong>
          </p>
          <ul>
            {issues.map((i) => (
              <li key={i.field}>{i.message}</li>
            ))}
          </ul>
          <p>
            <Link to={basePath}>Start again with no filters</Link>
          </p>
        </div>
      )}

      {query && page && (
        <section aria-labelledby="records-results" className="records-results" aria-busy={busy || undefined}>
          <div className="results-head">
            <h2 id="records-results">Records</h2>
            <p className="muted" role="status">
              {busy
                ? "Loading…"
                : page.rows.length === 0
                  ? "No records on this page."
                  : `${page.rows.length} ${page.rows.length === 1 ? "record" : "records"} on this page · ${SORT_LABEL[query.sort].toLowerCase()}`}
            </p>
            <a className="button" href={`${basePath}/export.csv${recordsSearch(query.filters, query.sort)}`} download>
              Export CSV<span className="visually-hidden"> of all records matching these filters</span>
            </a>
          </div>

          {page.tooSlow ? (
            <div className="empty-state" role="alert">
              <h3>This search took too long</h3>
              <p>Narrow it down: pick a tenant, a shorter date range, or a conversation or task ID.</p>
            </div>
          ) : page.rows.length === 0 ? (
            <EmptyRecords filtered={hasFilters(query.filters)} paged={query.paged} basePath={basePath} />
          ) : (
            <div className={busy ? "is-loading" : undefined}>
              <DataTable
                columns={explorerColumns(basePath, showTenant, query.filters, query.sort)}
                data={page.rows}
                caption={caption}
                getRowId={(r) => r.id}
              />
            </div>
          )}

          <Pager
            label="Pages of records"
            page={page}
            paged={query.paged}
            href={(p) => `${basePath}${recordsSearch(query.filters, query.sort, p)}`}
            labels={{
              first: "First page",
              previous: `← Previous ${PAGE_SIZE}`,
              next: `Next ${PAGE_SIZE} →`,
              previousDisabled: "← Previous",
              nextDisabled: "Next →",
            }}
          />
        </section>
      )}
    </>
  );
}

function explorerColumns(basePath: string, showTenant: boolean, filters: RecordFilters, sort: RecordSort) {
  return recordColumns({
    showTenant,
    sortHeader: (key, label) => {
      const current = sort.startsWith(key) ? (sort.endsWith("desc") ? "descending" : "ascending") : undefined;
      // First click on a column: newest / most expensive first; on the sorted column: flip.
      const target = `${key}_${current === "descending" ? "asc" : "desc"}` as RecordSort;
      return {
        ariaSort: current,
        header: (
          <Link to={`${basePath}${recordsSearch(filters, target)}`} className="sort-link">
            {label}
            <span aria-hidden="true" className="sort-indicator">
              {current === "descending" ? "▼" : current === "ascending" ? "▲" : "↕"}
            </span>
            <span className="visually-hidden">, sort {SORT_LABEL[target].toLowerCase()}</span>
          </Link>
        ),
      };
    },
    userHref: (row: RecordRow) =>
      `${basePath}${recordsSearch({ ...filters, ...(showTenant ? { tenant: row.tenantSlug } : {}), user: row.userId ?? undefined }, sort)}`,
  });
}

function EmptyRecords({ filtered, paged, basePath }: { filtered: boolean; paged: boolean; basePath: string }) {
  return (
    <div className="empty-state">
      {filtered ? (
        <>
          <h3>No cost records match these filters</h3>
          <p>
            Try a wider date range or fewer filters, or <Link to={basePath}>clear all filters</Link>.
          </p>
        </>
      ) : paged ? (
        <>
          <h3>No more records</h3>
          <p>
            <Link to={basePath}>Back to the first page</Link>
          </p>
        </>
      ) : (
        <>
          <h3>No cost records yet</h3>
          <p>
            Records appear here as soon as the product reports its first LLM call or sandbox run through the core or the{" "}
            <code>/api/v1</code> API.
          </p>
        </>
      )}
    </div>
  );
}
