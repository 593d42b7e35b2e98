// The example file for /pricing/import (?kind=sandbox for sandbox rates): the columns with two
// rows that parse, to fill in rather than type a header from the page.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { PRICING_ROLES } from "~/components/forms/price-format.ts";
import { requireUser } from "~/services/auth.server.ts";
import { exampleFileResponse, priceImportKind } from "~/services/price-import/kinds.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { roles: PRICING_ROLES });
  return exampleFileResponse(priceImportKind(new URL(request.url).searchParams.get("kind")));
}
