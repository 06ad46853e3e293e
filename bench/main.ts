// `npm run bench -- <name>`: runs one benchmark (or all) and prints its table.
const BENCHES: Record<string, () => Promise<unknown>> = {
  api: async () => (await import('./api.js')).run(),
  scheduler: async () => (await import('./scheduler.js')).run(),
  controllers: async () => (await import('./controllers.js')).run(),
  pods: async () => (await import('./pods.js')).run(),
  network: async () => (await import('./network.js')).run(),
  startup: async () => (await import('./startup.js')).run(),
};

const which = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = which.length ? which : Object.keys(BENCHES);
for (const n of names) {
  const b = BENCHES[n];
  if (!b) {
    console.error(`unknown benchmark "${n}"; available: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  await b();
}
