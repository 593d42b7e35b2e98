// /t/<slug>/alerts/rules: the same page as /alerts/rules (staff), scoped by alertContext to the tenant in the
// URL — a tenant admin sees and manages only their tenant's channels and rules; other ids answer 404.
export { default, links, loader, meta } from "~/routes/alerts+/rules._index.tsx";
