// postStart / preStop handlers (exec, httpGet, sleep), run with the probe machinery.
import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { runProbe, type ProbeOutcome, type ProbeTarget } from './probes/prober.js';

export async function runHook(h: LifecycleHandler, t: ProbeTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  const sleep = (h as { sleep?: { seconds: number } }).sleep;
  if (sleep) {
    await new Promise((r) => setTimeout(r, Math.min(sleep.seconds, timeoutSeconds) * 1000));
    return { ok: true, message: '' };
  }
  return runProbe({ exec: h.exec, httpGet: h.httpGet, tcpSocket: h.tcpSocket, timeoutSeconds: Math.max(1, timeoutSeconds) }, t);
}

/** Upstream's event text for a failed hook. */
export function hookFailureMessage(h: LifecycleHandler, container: string, pod: string, message: string): string {
  if (h.exec) return `Exec lifecycle hook (${JSON.stringify(h.exec.command ?? []).replace(/"/g, '').replace(/,/g, ' ')}) for Container "${container}" in Pod "${pod}" failed - error: command '${(h.exec.command ?? []).join(' ')}' exited with non-zero status, message: "${message}"`;
  return `HTTP lifecycle hook (${h.httpGet?.path ?? '/'}) for Container "${container}" in Pod "${pod}" failed - error: ${message}`;
}
