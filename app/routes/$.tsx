// Any URL no other route matches. Signed-out visitors go to sign-in first, so unknown and
// protected URLs look the same to them; signed-in users get the 404 page in the app frame.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { notFound, requireUser } from "~/services/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  throw notFound();
}

export async function action({ request }: ActionFunctionArgs) {
  await requireUser(request);
  throw notFound();
}

// Never rendered (the loader always throws); the root ErrorBoundary shows the 404.
export default function NotFound() {
  return null;
}
