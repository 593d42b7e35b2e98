// The delivery log's columns: what happened to each outbox event, and a re-send for dead ones.
import { Form, Link } from "@remix-run/react";
import { formatTime } from "~/components/admin/forms.tsx";
import type { ColumnDef } from "~/components/data-table.tsx";
import type { DeliveryRow } from "~/services/alerts/admin-deliveries.server.ts";
import { RULE_KIND_LABEL } from "./rule-labels.ts";

export function deliveryColumns(base: string, staffPage: boolean): ColumnDef<DeliveryRow, any>[] {
  const cols: ColumnDef<DeliveryRow, any>[] = [
    { id: "createdAt", accessorFn: (d) => d.createdAt, header: "Created", cell: ({ getValue }) => formatTime(getValue()) },
    { id: "channel", accessorFn: (d) => d.channelName, header: "Channel", cell: ({ row: { original: d } }) => <Link to={`${base}/channels/${d.channelId}`}>{d.channelName}</Link> },
  ];
  if (staffPage) cols.push({ id: "tenant", accessorFn: (d) => d.tenantName ?? "—", header: "Tenant", meta: { optional: true } });
  cols.push(
    { id: "kind", accessorFn: (d) => RULE_KIND_LABEL[d.kind] ?? d.kind, header: "Kind", meta: { optional: true } },
    { id: "summary", accessorFn: (d) => d.summary, header: "Summary", cell: ({ getValue }) => <span className="error-text">{getValue()}</span>, meta: { optional: true } },
    {
      id: "status",
      accessorFn: (d) => d.status,
      header: "Status",
      cell: ({ row: { original: d } }) => (
        <span className={`status-badge--${d.status}`} data-testid={`delivery-status-${d.id}`}>
          {d.status}
          {d.deliveredAt && <span className="muted"> {formatTime(d.deliveredAt)}</span>}
        </span>
      ),
    },
    { id: "attempts", accessorFn: (d) => d.attempts, header: "Attempts", meta: { numeric: true } },
    { id: "next", accessorFn: (d) => d.nextAttemptAt ?? "", header: "Next attempt", cell: ({ row: { original: d } }) => formatTime(d.nextAttemptAt), meta: { optional: true } },
    { id: "lastError", accessorFn: (d) => d.lastError ?? "", header: "Last error", cell: ({ getValue }) => <span className="error-text">{getValue() || "—"}</span> },
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
  );
  return cols;
}
