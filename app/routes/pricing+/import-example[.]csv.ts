// The example file for /pricing/import (?kind=sandbox for sandbox rates): the columns with two
// rows that parse, to fill in rather than type a header from the page.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireArea } from "~/services/auth.server.ts";
import { exampleFileResponse, priceImportKind } from "~/services/price-import/kinds.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "pricing");
  return exampleFileResponse(priceImportKind(new URL(request.url).searchParams.get("kind")));
}
