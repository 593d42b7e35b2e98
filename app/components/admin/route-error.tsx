// A page-level error boundary for the admin pages: the failure replaces only the page content,
// so the navigation stays usable. Guards' 404s still show the not-found page.
import { useRouteError } from "@remix-run/react";
import { ErrorPage } from "../error-page.tsx";

export function ErrorBoundary() {
  return <ErrorPage error={useRouteError()} />;
}
