// What a killed node agent leaves behind: its pods' process groups, network namespaces, bridge and
// cgroups. A process runtime removes these when it starts on the same data dir, so the cleanup
// starts one and shuts it down at once — the runtime stays the only code that knows its names.
// Used by `skiff down`/`delete` after the server (or an extra node agent) did not stop cleanly.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A runtime that stopped cleanly removes its pid file; one that was killed leaves it. */
export function runtimeWasKilled(runtimeDataDir: string): boolean {
  return existsSync(join(runtimeDataDir, 'runtime', 'process-groups.json'));
}

/**
 * Kill the pods of a killed runtime and remove what it created. `podCidr` also removes its pod
 * namespaces and bridge — only right in the namespace the runtime ran in (the server's own node).
 */
export async function removeRuntimeLeftovers(runtimeDataDir: string, podCidr?: string): Promise<boolean> {
  if (!runtimeWasKilled(runtimeDataDir)) return false;
  const { ProcessRuntime } = await import('../agent/runtime/process/process-runtime.js');
  const rt = await ProcessRuntime.create({ dataDir: runtimeDataDir, podCidr, podNetwork: podCidr !== undefined });
  await rt.shutdown();
  return true;
}
