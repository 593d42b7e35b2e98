// The delivery log's columns: what happened to each outbox event, and a re-send for dead ones.
// Few, wrapping columns so the log fits a laptop; on a phone channel and error text step aside.
import { Form, Link } from "@remix-run/react";
import { formatTime } from "~/components/format.ts";
import type { ColumnDef } from "~/components/data-table.tsx";
import type { DeliveryRow } from "~/services/alerts/deliveries.page.server.ts";
import { RULE_KIND_LABEL } from "./rule-labels.ts";

export function deliveryColumns(base: string, staffPage: boolean): ColumnDef<DeliveryRow, any>[] {
  return [
    {
      id: "event",
      accessorFn: (d) => d.createdAt,
      header: "Event",
      sortDescFirst: true,
      cell: ({ row: { original: d } }) => (
        <div className="cell-wrap">
          {d.summary || RULE_KIND_LABEL[d.kind]}
          <div className="muted cell-sub">
            {RULE_KIND_LABEL[d.kind] ?? d.kind}
            {staffPage && d.tenantName ? ` · ${d.tenantName}` : ""} · {formatTime(d.createdAt)}
          </div>
        </div>
      ),
    },
    {
      id: "channel",
      accessorFn: (d) => d.channelName,
      header: "Channel",
      cell: ({ row: { original: d } }) => <Link to={`${base}/channels/${d.channelId}`}>{d.channelName}</Link>,
      meta: { optional: true },
    },
    {
      id: "status",
      accessorFn: (d) => d.status,
      header: "Status",
      cell: ({ row: { original: d } }) => (
        <div data-testid={`delivery-status-${d.id}`}>
          <span className={`status-badge--${d.status}`}>{d.status}</span>
          <div className="muted cell-sub">
            {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
            {d.deliveredAt && <div>delivered {formatTime(d.deliveredAt)}</div>}
            {d.nextAttemptAt && <div>next {formatTime(d.nextAttemptAt)}</div>}
          </div>
        </div>
      ),
    },
    {
      id: "lastError",
      accessorFn: (d) => d.lastError ?? "",
      header: "Last error",
      cell: ({ getValue }) => <div className="cell-wrap cell-wrap--narrow">{getValue() || "—"}</div>,
      meta: { optional: true },
    },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      cell: ({ row: { original: d } }) =>
        d.status === "dead" ? (
          <Form method="post">
            <input type="hidden" name="intent" value="resend" />
            <input type="hidden" name="id" value={d.id} />
            <button type="submit" className="button button--small" aria-label={`Re-send event ${d.id} to ${d.channelName}`}>
              Re-send
            </button>
          </Form>
        ) : null,
    },
  ];
}
