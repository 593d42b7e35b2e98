// A page-level error boundary for the admin pages: the failure replaces only the page content,
// so the navigation stays usable. Guards' 404s still show the not-found page.
import { useRouteError, useRouteLoaderData } from "@remix-run/react";
import { ErrorPage } from "../error-page.tsx";

export function ErrorBoundary() {
  const root = useRouteLoaderData("root") as { showStack?: boolean } | undefined;
  return <ErrorPage error={useRouteError()} showStack={root?.showStack} />;
}
