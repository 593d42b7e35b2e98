// `/`: everyone starts on their own home (staff: the overview; tenant admins: their tenant).
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { homePathFor, requireUser } from "~/services/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  throw redirect(homePathFor(user));
}
