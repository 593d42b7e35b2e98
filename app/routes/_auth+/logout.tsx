// Sign-out is a POST (a link or prefetch must never end a session): it deletes the session
// row, clears the cookie and goes to the sign-in page.
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { signOut } from "~/services/auth.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  return signOut(request);
}

export async function loader() {
  throw redirect("/");
}
