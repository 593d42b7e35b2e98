// Preload for Prisma CLI commands (imported first by prisma.config.ts).
// With the JS schema engine some long timer (>= 5 s) keeps the event loop alive after the
// command has finished, so every CLI call lingered ~10 s. Unref such timers so node can exit.
const LIMIT = 5000;
for (const name of ["setTimeout", "setInterval"]) {
  const orig = globalThis[name];
  globalThis[name] = function (fn, ms, ...args) {
    const t = orig.call(this, fn, ms, ...args);
    if (typeof ms === "number" && ms >= LIMIT && t && typeof t.unref === "function") t.unref();
    return t;
  };
  Object.assign(globalThis[name], orig);
}
