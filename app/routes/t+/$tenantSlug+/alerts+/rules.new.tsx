// /t/<slug>/alerts/rules/new: the same page as /alerts/rules/new (staff), scoped by alertContext to the tenant in the
// URL — a tenant admin sees and manages only their tenant's channels and rules; other ids answer 404.
export { action, default, links, loader, meta } from "~/routes/alerts+/rules.new.tsx";
