import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { clientIp, getOptionalUser, homePathFor, safeRedirect, signIn, startSessionAndRedirect } from "~/services/auth.server.ts";
import { throttleMessage } from "~/services/login-throttle.server.ts";

export const meta: MetaFunction = () => [{ title: "Sign in · Tollgate" }];

const SignInForm = z.object({
  email: z
    .string({ message: "Enter your email address." })
    .trim()
    .min(1, { message: "Enter your email address." })
    .max(254, { message: "That email address is too long." })
    .pipe(z.email({ message: "Enter a valid email address, like name@example.com." })),
  // The upper bound only stops absurd bodies from reaching the (deliberately slow) hash.
  password: z
    .string({ message: "Enter your password." })
    .min(1, { message: "Enter your password." })
    .max(1024, { message: "That password is too long." }),
  redirectTo: z.string().optional(),
});

type FieldErrors = Partial<Record<"email" | "password", string>>;

/** Already signed in: skip the form. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  if (user) {
    const redirectTo = new URL(request.url).searchParams.get("redirectTo");
    throw redirect(safeRedirect(redirectTo, homePathFor(user)));
  }
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = Object.fromEntries(await request.formData());
  const parsed = SignInForm.safeParse(form);
  const email = typeof form.email === "string" ? form.email : "";
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if ((field === "email" || field === "password") && !fieldErrors[field]) fieldErrors[field] = issue.message;
    }
    return data({ fieldErrors, formError: null, email }, { status: 400 });
  }
  const result = await signIn({ email: parsed.data.email, password: parsed.data.password, ip: clientIp(context) });
  if (!result.ok) {
    const formError =
      result.reason === "throttled"
        ? throttleMessage(result.retryAfterSeconds)
        : result.reason === "disabled"
          ? "This account has been disabled. Ask an administrator to re-enable it."
          : "The email address or password is incorrect.";
    const headers = result.reason === "throttled" ? { "Retry-After": String(result.retryAfterSeconds) } : undefined;
    return data(
      { fieldErrors: {} as FieldErrors, formError, email },
      { status: result.reason === "throttled" ? 429 : 401, headers },
    );
  }
  const redirectTo = parsed.data.redirectTo ? safeRedirect(parsed.data.redirectTo, "") || null : null;
  return startSessionAndRedirect(result.user, request, redirectTo);
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formAction?.startsWith("/login");
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const fieldErrors = actionData?.fieldErrors ?? {};

  // Move focus to the first problem so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (!actionData) return;
    if (actionData.fieldErrors.email) emailRef.current?.focus();
    else if (actionData.fieldErrors.password) passwordRef.current?.focus();
    else passwordRef.current?.select();
  }, [actionData]);

  return (
    <div className="auth-card">
      <h1>Sign in to Tollgate</h1>
      {actionData?.formError && (
        <p className="form-error" role="alert" id="form-error">
          {actionData.formError}
        </p>
      )}
      <Form method="post" noValidate aria-describedby={actionData?.formError ? "form-error" : undefined}>
        <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            ref={emailRef}
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            defaultValue={actionData?.email}
            aria-invalid={fieldErrors.email ? true : undefined}
            aria-describedby={fieldErrors.email ? "email-error" : undefined}
          />
          {fieldErrors.email && (
            <p className="field-error" id="email-error">
              {fieldErrors.email}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            ref={passwordRef}
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={fieldErrors.password ? "password-error" : undefined}
          />
          {fieldErrors.password && (
            <p className="field-error" id="password-error">
              {fieldErrors.password}
            </p>
          )}
        </div>
        <button type="submit" className="button button--primary" disabled={submitting}>
          {submitting ? "Signing in…" : "Sign in"}
        </button>
      </Form>
    </div>
  );
}
