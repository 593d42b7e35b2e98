// What any failed page shows: the status, a plain-language explanation and a way on. Stack
// traces only when the root loader says the server runs in development (`showStack`, from
// config.server.ts); in production Remix already replaces server errors with a generic message
// before they reach the browser.
import { Link, isRouteErrorResponse } from "@remix-run/react";

export function errorStatus(error: unknown): number {
  return isRouteErrorResponse(error) ? error.status : 500;
}

export function errorTitle(status: number): string {
  if (status === 404) return "Page not found";
  if (status === 401 || status === 403) return "Not allowed";
  if (status === 429) return "Too many requests";
  if (status === 503) return "Temporarily unavailable";
  return "Something went wrong";
}

export function ErrorPage({ error, showStack = false }: { error: unknown; showStack?: boolean }) {
  const status = errorStatus(error);
  const title = errorTitle(status);
  const explanation =
    status === 404
      ? "We couldn't find that page. It may have moved, or it may not exist for your account."
      : status >= 500
        ? "The page could not be loaded. Please try again in a moment; if it keeps happening, tell your administrator."
        : "This request could not be completed.";
  const detail = showStack && error instanceof Error ? error.stack : null;
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-page__status">Error {status}</p>
      <h1 id="error-title">{title}</h1>
      <p>{explanation}</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
      {detail && <pre className="error-page__stack">{detail}</pre>}
    </section>
  );
}
