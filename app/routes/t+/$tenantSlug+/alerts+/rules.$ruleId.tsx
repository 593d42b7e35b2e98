// /t/<slug>/alerts/rules/:ruleId: the same page as /alerts/rules/:ruleId (staff), scoped by alertContext to the tenant in the
// URL — a tenant admin sees and manages only their tenant's channels and rules; other ids answer 404.
export { action, default, links, loader, meta } from "~/routes/alerts+/rules.$ruleId.tsx";
