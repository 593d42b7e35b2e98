// Add a new LLM price or sandbox rate. It starts at "Effective from" (default now, UTC) and
// closes the price in effect then; a start before the current price's start is refused,
// because costs already priced with the current one must keep their price.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormError, Options } from "~/components/forms/field.tsx";
import formStyles from "~/components/forms/forms.css";
import { createLlmPriceBody, createSandboxPriceBody, sandboxTier } from "~/schemas/admin.ts";
import { fieldErrors, formFields, isoToUtcLocal, utcLocalToIso, type FieldErrors } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { currentPrices } from "~/services/pricing.page.server.ts";
import { createLlmPrice, createSandboxPrice } from "~/services/pricing.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Add a price · Pricing · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "pricing");
  const url = new URL(request.url);
  const { llm } = await currentPrices();
  return {
    kind: url.searchParams.get("kind") === "sandbox" ? ("sandbox" as const) : ("llm" as const),
    prefill: { provider: url.searchParams.get("provider") ?? "", model: url.searchParams.get("model") ?? "", tier: url.searchParams.get("tier") ?? "" },
    providers: [...new Set(llm.map((p) => p.provider))],
    models: llm.map((p) => p.model),
    now: isoToUtcLocal(new Date().toISOString()),
  };
}

const LLM_FIELDS = ["provider", "model", "inputUsdPerMillion", "outputUsdPerMillion", "cachedInputUsdPerMillion", "effectiveFrom", "note"] as const;
const SANDBOX_FIELDS = ["tier", "usdPerSecond", "effectiveFrom", "note"] as const;

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "pricing");
  const actor = actorFor(user);
  const form = await request.formData();
  const kind = form.get("kind") === "sandbox" ? "sandbox" : "llm";
  const raw = formFields(form, kind === "llm" ? LLM_FIELDS : SANDBOX_FIELDS);
  const body = { ...raw, effectiveFrom: utcLocalToIso(raw.effectiveFrom) };
  try {
    if (kind === "llm") {
      const parsed = createLlmPriceBody.safeParse(body);
      if (!parsed.success) return { errors: fieldErrors(parsed.error) };
      await createLlmPrice(actor, parsed.data);
      return redirect(`/pricing/history?${new URLSearchParams({ provider: parsed.data.provider, model: parsed.data.model, added: "1" })}`);
    }
    const parsed = createSandboxPriceBody.safeParse(body);
    if (!parsed.success) return { errors: fieldErrors(parsed.error) };
    await createSandboxPrice(actor, parsed.data);
    return redirect(`/pricing/history?${new URLSearchParams({ tier: parsed.data.tier, added: "1" })}`);
  } catch (e) {
    return failedAction(e, {});
  }
}

export default function NewPrice() {
  const { kind, prefill, providers, models, now } = useLoaderData<typeof loader>();
  const errors: FieldErrors = useActionData<typeof action>()?.errors ?? {};
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/pricing">Pricing</Link> /
        </p>
        <h1>{kind === "llm" ? "Add a new LLM price" : "Add a new sandbox rate"}</h1>
        <p className="muted">
          The new price starts at “Effective from” and closes the one in effect then. Times are UTC. History is kept; a
          price cannot start before the current one started.
        </p>
      </div>
      <Form method="post" className="card" noValidate>
        <input type="hidden" name="kind" value={kind} />
        <FormError message={errors.form} />
        {kind === "llm" ? (
          <div className="form-grid">
            <Field name="provider" label="Provider" error={errors.provider} hint="e.g. openai">
              {(p) => <input {...p} type="text" list="providers" defaultValue={prefill.provider} required autoComplete="off" />}
            </Field>
            <Field name="model" label="Model" error={errors.model}>
              {(p) => <input {...p} type="text" list="models" defaultValue={prefill.model} required autoComplete="off" />}
            </Field>
            <Field name="inputUsdPerMillion" label="Input USD per 1M tokens" error={errors.inputUsdPerMillion}>
              {(p) => <input {...p} type="text" inputMode="decimal" required />}
            </Field>
            <Field name="outputUsdPerMillion" label="Output USD per 1M tokens" error={errors.outputUsdPerMillion}>
              {(p) => <input {...p} type="text" inputMode="decimal" required />}
            </Field>
            <Field name="cachedInputUsdPerMillion" label="Cached input USD per 1M (optional)" error={errors.cachedInputUsdPerMillion}>
              {(p) => <input {...p} type="text" inputMode="decimal" />}
            </Field>
            <datalist id="providers">
              <Options values={providers} />
            </datalist>
            <datalist id="models">
              <Options values={models} />
            </datalist>
          </div>
        ) : (
          <div className="form-grid">
            <Field name="tier" label="Tier" error={errors.tier}>
              {(p) => (
                <select {...p} defaultValue={prefill.tier || "standard"}>
                  <Options values={sandboxTier.options} />
                </select>
              )}
            </Field>
            <Field name="usdPerSecond" label="USD per second" error={errors.usdPerSecond}>
              {(p) => <input {...p} type="text" inputMode="decimal" required />}
            </Field>
          </div>
        )}
        <div className="form-grid">
          <Field name="effectiveFrom" label="Effective from (UTC)" error={errors.effectiveFrom} hint="Leave as is for now.">
            {(p) => <input {...p} type="datetime-local" defaultValue={now} />}
          </Field>
          <Field name="note" label="Note (optional)" error={errors.note}>
            {(p) => <input {...p} type="text" maxLength={500} />}
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Saving…" : "Add price"}
          </button>
          <Link to="/pricing">Cancel</Link>
        </div>
      </Form>
    </>
  );
}
