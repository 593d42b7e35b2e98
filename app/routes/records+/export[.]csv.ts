// Staff: the explorer's filters as a CSV download, streamed in keyset batches (constant memory).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireArea } from "~/services/auth.server.ts";
import { csvResponse } from "~/services/records-export.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "records");
  return csvResponse({ kind: "all" }, new URL(request.url).searchParams, undefined);
}
