// The options of a tenant <select>: an empty first choice and every tenant by name. Filters
// value them by slug (the filters put slugs in the URL); forms that store a tenant by its id.
export function TenantOptions({
  tenants,
  valueBy = "slug",
  empty = "All tenants",
  withSlug = false,
}: {
  tenants: readonly { id?: string; slug: string; name: string }[];
  /** What an option's value is: the slug (filters, the quota form) or the id. */
  valueBy?: "slug" | "id";
  /** The label of the first, empty-valued option. */
  empty?: string;
  /** Show "Name (slug)": where two tenants' names could be confused in a form. */
  withSlug?: boolean;
}) {
  return (
    <>
      <option value="">{empty}</option>
      {tenants.map((t) => (
        <option key={t.slug} value={valueBy === "id" ? t.id : t.slug}>
          {withSlug ? `${t.name} (${t.slug})` : t.name}
        </option>
      ))}
    </>
  );
}
