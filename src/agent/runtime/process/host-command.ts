// Runs short-lived host tools (ip, mount, umount) and reports their stderr on failure.
import { execFile } from 'node:child_process';
import { lookPath } from './launch.js';

export function run(cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 10_000 }, (err, stdout, stderr) => {
      if (err && !opts.allowFail) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** Whether a host tool exists on PATH (a file lookup: no process is started for it). */
export async function hasTool(name: string): Promise<boolean> {
  return lookPath(name, process.env.PATH) !== undefined;
}
