// Staff: every cost record, filtered, sorted and paged on the server (keyset cursors in the URL);
// above them, the end users at or near a default cap this period, across tenants (ADR 0016).
import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NearCapPanel } from "~/components/near-cap-users.tsx";
import { RecordsExplorer } from "~/components/records/records-explorer.tsx";
import spendStyles from "~/components/spend.css";
import { requireArea } from "~/services/auth.server.ts";
import { usersNearDefaultCap } from "~/services/near-cap.page.server.ts";
import { loadExplorer } from "~/services/records.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: spendStyles }];

export const meta: MetaFunction = () => [{ title: "Cost records · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "records");
  const [{ status, data: explorer }, nearCap] = await Promise.all([
    loadExplorer({ kind: "all" }, new URL(request.url).searchParams, "/records"),
    usersNearDefaultCap({ kind: "platform" }),
  ]);
  return data({ explorer, nearCap }, { status });
}

export default function CostRecords() {
  const { explorer, nearCap } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Cost records</h1>
        <p className="muted">Every priced LLM call and sandbox run, newest first. Times are UTC.</p>
      </div>
      <RecordsExplorer data={explorer} caption="Cost records" />
      <NearCapPanel
        list={nearCap}
        explorerPath="/records"
        showTenant
        caption="End users at or near a default cap this period, across tenants, fullest first"
        note="Platform defaults and each tenant's own; each user links to their records of the period."
      />
    </>
  );
}
