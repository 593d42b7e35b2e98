// The architecture's dependency rules (STYLE.md, docs/adr/0011), checked by
// scripts/check-architecture.ts as the first step of `npm test` (and in architecture.test.ts,
// which also shows a violation failing). Paths are relative to the repository root.
// Type-only imports are allowed where noted: they vanish at compile time and carry no code.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-imports-no-app",
      comment:
        "The enforcement core is a library: anyone can read app/core/index.ts and know the whole contract. " +
        "It imports nothing of the app (services, db, routes, components, schemas, generated Prisma code). " +
        "Its tests may use the app's test databases.",
      severity: "error",
      from: { path: "^app/core/", pathNot: "\\.test\\.ts$|^app/core/test/" },
      to: { path: "^app/", pathNot: "^app/core/" },
    },
    {
      name: "core-imports-no-framework",
      comment: "No Remix, React or Prisma in the core: it runs the same under any server, and its hot path is raw SQL on pg.",
      severity: "error",
      from: { path: "^app/core/", pathNot: "\\.test\\.ts$|^app/core/test/" },
      to: { path: "node_modules/(@remix-run|react|react-dom|@prisma|prisma)/" },
    },
    {
      name: "db-imports-no-service",
      comment:
        "app/db is below the services: pools, transactions, row helpers. The exceptions are the " +
        "configuration (config.server.ts, the only reader of process.env), a leaf that imports no service, " +
        "and the process's logger (logger.server.ts, which imports only the configuration): the read " +
        "replica's pool logs when it falls back to the primary (ADR 0013).",
      severity: "error",
      from: { path: "^app/db/", pathNot: "\\.test\\.ts$|^app/db/test/" },
      to: { path: "^app/(services|routes|components)/", pathNot: "^app/services/(config|logger)\\.server\\.ts$" },
    },
    {
      name: "components-import-no-server-code",
      comment:
        "Components run in the browser: a *.server.ts module is empty there and the database is out of reach. " +
        "Types from services are fine (type-only imports).",
      severity: "error",
      from: { path: "^app/components/" },
      to: { path: "^app/(services|db)/|\\.server\\.tsx?$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "services-import-no-component",
      comment: "A value both need lives in app/schemas (or the service hands it to the page in its loader data).",
      severity: "error",
      from: { path: "^app/services/" },
      to: { path: "^app/components/" },
    },
    {
      name: "domain-services-import-no-page-module",
      comment:
        "Services are named by domain (ADR 0015): quotas.server.ts holds the rules, quotas.page.server.ts " +
        "shapes them for the panel. Shaping depends on the domain, never the other way round, so a rule " +
        "is always found in the domain module.",
      severity: "error",
      from: { path: "^app/services/", pathNot: "\\.page\\.server\\.ts$|\\.test\\.ts$|/test/" },
      to: { path: "^app/services/.*\\.page\\.server\\.ts$" },
    },
    {
      name: "routes-reach-the-database-only-through-services",
      comment: "Routes are thin: parse, guard, call a service, respond. No pool, no SQL, no Prisma client in a route.",
      severity: "error",
      from: { path: "^app/routes/" },
      to: { path: "^app/db/|node_modules/(pg|@prisma/client)/|^app/generated/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-circular",
      comment: "A cycle makes load order matter and every change a search; split the shared part out.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^app/generated/|^build/|^public/build/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
