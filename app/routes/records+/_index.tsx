// Staff: every cost record, filtered, sorted and paged on the server (keyset cursors in the URL).
import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { RecordsExplorer } from "~/components/records/records-explorer.tsx";
import spendStyles from "~/components/spend.css";
import { requireArea } from "~/services/auth.server.ts";
import { loadExplorer } from "~/services/records.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: spendStyles }];

export const meta: MetaFunction = () => [{ title: "Cost records · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "records");
  const { status, data: explorer } = await loadExplorer({ kind: "all" }, new URL(request.url).searchParams, "/records");
  return data(explorer, { status });
}

export default function CostRecords() {
  const explorer = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Cost records</h1>
        <p className="muted">Every priced LLM call and sandbox run, newest first. Times are UTC.</p>
      </div>
      <RecordsExplorer data={explorer} caption="Cost records" />
    </>
  );
}
