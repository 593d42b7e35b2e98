// Pieces every chart shares: rendering only after hydration (recharts measures the DOM, so a
// server render would be empty or wrong) and the "Show as table" view of the same numbers, for
// keyboard and screen-reader users.
import { useEffect, useState, type ReactNode } from "react";

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
