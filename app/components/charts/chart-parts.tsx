// Pieces every chart shares: the frame (a hidden caption, the canvas rendered only after
// hydration — recharts measures the DOM, so a server render would be empty or wrong — and the
// "Show as table" view of the same numbers, for keyboard and screen-reader users) and the day
// labels of the time axes.
import { useEffect, useState, type ReactElement, type ReactNode } from "react";
import { ResponsiveContainer } from "recharts";
import { formatDay } from "../format.ts";

export function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

export interface ChartColumn {
  label: ReactNode;
  numeric?: boolean;
  /** Hidden on phones. */
  optional?: boolean;
}

export type ChartCell = ReactNode | { value: ReactNode; attrs: Record<string, string> };

export interface ChartRow {
  key: string;
  /** The first cell heads the row; the rest follow the columns. */
  cells: ChartCell[];
}

function cellClass(c: ChartColumn) {
  return [c.numeric ? "num" : "", c.optional ? "col-optional" : ""].filter(Boolean).join(" ") || undefined;
}

function parts(cell: ChartCell): { value: ReactNode; attrs: Record<string, string> } {
  return cell && typeof cell === "object" && "attrs" in (cell as object) ? (cell as { value: ReactNode; attrs: Record<string, string> }) : { value: cell as ReactNode, attrs: {} };
}

export function ChartDataTable({ caption, columns, rows }: { caption: string; columns: ChartColumn[]; rows: ChartRow[] }) {
  return (
    <details className="chart__data">
      <summary>Show as table</summary>
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" className={cellClass(c)}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                {r.cells.map((cell, i) => {
                  const { value, attrs } = parts(cell);
                  return i === 0 ? (
                    <th key={i} scope="row" {...attrs}>
                      {value}
                    </th>
                  ) : (
                    <td key={i} className={cellClass(columns[i])} {...attrs}>
                      {value}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/**
 * A chart: `children` is the recharts chart, drawn at `height` once hydrated; `table` the same
 * numbers for keyboard and screen-reader users. `figure` adds data attributes to the figure
 * (test ids, values end-to-end tests read), `canvasTestId` a test id to the canvas.
 */
export function ChartFrame({
  title,
  height,
  table,
  figure,
  canvasTestId,
  children,
}: {
  title: string;
  height: number;
  table: { columns: ChartColumn[]; rows: ChartRow[] };
  figure?: Record<`data-${string}`, string>;
  canvasTestId?: string;
  children: ReactElement;
}) {
  const hydrated = useHydrated();
  return (
    <figure className="chart" {...figure}>
      <figcaption className="visually-hidden">{title}</figcaption>
      <div className="chart__canvas" style={{ height }} aria-hidden="true" data-testid={canvasTestId}>
        {hydrated && (
          <ResponsiveContainer width="100%" height={height}>
            {children}
          </ResponsiveContainer>
        )}
      </div>
      <ChartDataTable caption={title} columns={table.columns} rows={table.rows} />
    </figure>
  );
}

/** A day axis's tick: "Nov 3". */
export const dayTick = (day: string) => formatDay(day);

/** A day in a tooltip: "Nov 3, 2026". */
export const dayLabel = (day: unknown) => formatDay(String(day), { month: "short", day: "numeric", year: "numeric" });
