import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { AppShell, type ShellUser } from "~/components/app-shell.tsx";
import { ErrorPage, errorStatus, errorTitle } from "~/components/error-page.tsx";
import { getOptionalUser } from "~/services/auth.server.ts";
import { getConfig } from "~/services/config.server.ts";
import { navItemsFor } from "~/services/policy.server.ts";
import stylesheet from "~/styles/app.css";

// With v3_singleFetch, loaders return plain objects; this switches useLoaderData's types to
// the single-fetch serialisation (Dates stay Dates, no Jsonify).
declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.ico", sizes: "any" },
];

export const meta: MetaFunction = ({ error }) => [
  { title: error ? `${errorTitle(errorStatus(error))} · Tollgate` : "Tollgate" },
  { name: "description", content: "Tollgate: spend and quotas for LLM calls and sandboxes." },
];

/** The signed-in user for the header and navigation (or null on public pages). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  const shellUser: ShellUser | null = user && {
    name: user.name,
    email: user.email,
    role: user.role,
    tenantSlug: user.tenantSlug,
  };
  // Error pages show stack traces only in development.
  const showStack = getConfig().NODE_ENV === "development";
  return { user: shellUser, nav: shellUser ? navItemsFor(shellUser) : [], showStack };
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  const { user, nav } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user} nav={nav}>
      <Outlet />
    </AppShell>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Present when a page below root failed (a 404 from a guard); absent when root itself did.
  const data = useRouteLoaderData<typeof loader>("root");
  return (
    <AppShell user={data?.user ?? null} nav={data?.nav ?? []}>
      <ErrorPage error={error} showStack={data?.showStack} />
    </AppShell>
  );
}
