// How a container process is started on the host. As root each container runs in the pod's
// network namespace (nsenter) and its own mount (and UTS) namespace (unshare), where a small sh
// prologue joins the cgroups, sets the hostname, bind-mounts the volumes at their mountPaths and
// then execs the container's command, so the container's pid is the process group leader.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Mount } from '../runtime.js';

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface LaunchPlan {
  file: string;
  args: string[];
}

export interface IsolatedLaunch {
  netnsPath?: string;
  hostname?: string;
  cgroupProcs: string[];
  mounts: Mount[];
  workingDir?: string;
}

/** Wrap argv so it runs isolated as described above (root only). */
export function isolatedLaunch(argv: string[], o: IsolatedLaunch): LaunchPlan {
  const lines: string[] = [];
  for (const f of o.cgroupProcs) lines.push(`echo $$ > ${shQuote(f)}`);
  if (o.hostname) lines.push(`hostname ${shQuote(o.hostname)}`);
  for (const m of o.mounts) {
    const src = shQuote(m.hostPath);
    const dst = shQuote(m.containerPath);
    lines.push(`if [ -d ${src} ]; then mkdir -p ${dst}; else mkdir -p "$(dirname ${dst})"; [ -e ${dst} ] || : > ${dst}; fi`);
    lines.push(`mount --bind ${src} ${dst}`);
    if (m.readonly) lines.push(`mount -o remount,bind,ro ${dst}`);
  }
  if (o.workingDir) lines.push(`mkdir -p ${shQuote(o.workingDir)} && cd ${shQuote(o.workingDir)}`);
  lines.push('exec "$@"');
  const script = `set -e\n${lines.join('\n')}\n`;
  const unshare = ['unshare', '--mount', '--propagation', 'private', ...(o.hostname ? ['--uts'] : []), '--', 'sh', '-c', script, 'sh', ...argv];
  if (o.netnsPath) return { file: 'nsenter', args: [`--net=${o.netnsPath}`, ...unshare] };
  return { file: unshare[0], args: unshare.slice(1) };
}

/** Find an executable the way execve via PATH would; undefined when there is none. */
export function lookPath(cmd: string, pathEnv: string | undefined): string | undefined {
  const isExec = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) return isExec(cmd) ? cmd : undefined;
  for (const dir of (pathEnv ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    if (dir && isExec(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/** The message runc gives for a missing executable, so users see the familiar error. */
export function notFoundMessage(cmd: string): string {
  return cmd.includes('/') && !existsSync(cmd)
    ? `exec: "${cmd}": stat ${cmd}: no such file or directory`
    : `exec: "${cmd}": executable file not found in $PATH`;
}
