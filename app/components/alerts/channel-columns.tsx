// The channel list's columns. The tenant column appears on the staff page only.
import { Form, Link } from "@remix-run/react";
import type { ColumnDef } from "~/components/data-table.tsx";
import { CHANNEL_TYPE_LABEL } from "./channel-form.tsx";

export interface ChannelRow {
  id: string;
  name: string;
  type: string;
  tenantName: string | null;
  /** Computed by the server with secret URLs masked to their host. */
  destination: string;
  enabled: boolean;
  fromEnv: boolean;
  ruleCount: number;
}

export function channelColumns(base: string, showTenant: boolean): ColumnDef<ChannelRow, any>[] {
  const cols: ColumnDef<ChannelRow, any>[] = [
    {
      id: "name",
      accessorFn: (c) => c.name,
      header: "Name",
      cell: ({ row: { original: c } }) => (
        <div className="cell-wrap cell-wrap--narrow">
          <Link to={`${base}/channels/${c.id}`}>{c.name}</Link>
          {c.fromEnv && <span className="badge">env</span>}
          {/* On a phone the type and tenant columns step aside; this line keeps them in view. */}
          <div className="muted cell-sub phone-only">
            {CHANNEL_TYPE_LABEL[c.type] ?? c.type}
            {showTenant ? ` · ${c.tenantName ?? "Platform-wide"}` : ""}
          </div>
        </div>
      ),
    },
    { id: "type", accessorFn: (c) => CHANNEL_TYPE_LABEL[c.type] ?? c.type, header: "Type", meta: { optional: true } },
  ];
  if (showTenant) cols.push({ id: "tenant", accessorFn: (c) => c.tenantName ?? "Platform-wide", header: "Tenant", meta: { optional: true } });
  cols.push(
    { id: "destination", accessorFn: (c) => c.destination, header: "Destination", cell: ({ getValue }) => <span className="break-anywhere">{getValue()}</span>, meta: { optional: true } },
    { id: "rules", accessorFn: (c) => c.ruleCount, header: "Rules", meta: { numeric: true, optional: true } },
    { id: "status", accessorFn: (c) => (c.enabled ? "Enabled" : "Disabled"), header: "Status" },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      cell: ({ row: { original: c } }) => (
        <div className="row-actions">
          <Link to={`${base}/channels/${c.id}`} aria-label={`${c.fromEnv ? "View" : "Edit"} ${c.name}`}>
            {c.fromEnv ? "View" : "Edit"}
          </Link>
          {!c.fromEnv && (
            <Form method="post">
              <input type="hidden" name="intent" value="toggle" />
              <input type="hidden" name="id" value={c.id} />
              <input type="hidden" name="enabled" value={c.enabled ? "false" : "true"} />
              <button type="submit" className="button button--small" aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`}>
                {c.enabled ? "Disable" : "Enable"}
              </button>
            </Form>
          )}
        </div>
      ),
    },
  );
  return cols;
}
