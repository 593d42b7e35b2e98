// The options of a "Tenant" filter: "All tenants" (empty value) and every tenant by name,
// valued by slug (the filters put slugs in the URL).
export function TenantOptions({ tenants }: { tenants: readonly { slug: string; name: string }[] }) {
  return (
    <>
      <option value="">All tenants</option>
      {tenants.map((t) => (
        <option key={t.slug} value={t.slug}>
          {t.name}
        </option>
      ))}
    </>
  );
}
