// Writes a set of files into a volume directory atomically, as kubelet's AtomicWriter: the
// files live in a timestamped directory, `..data` is a symlink to it, and every visible entry is
// a symlink through `..data`. An update writes a new directory and renames a fresh symlink over
// `..data`, so a reader sees either the whole old or the whole new content.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface VolumeFile {
  data: Buffer;
  mode: number;
}

const DATA = '..data';

/** Whether dir already holds exactly these files. */
function unchanged(dir: string, files: Map<string, VolumeFile>): boolean {
  const cur = join(dir, DATA);
  if (!existsSync(cur)) return false;
  const existing = listFiles(cur);
  if (existing.length !== files.size) return false;
  for (const [p, f] of files) {
    const full = join(cur, p);
    try {
      if (!readFileSync(full).equals(f.data) || (statSync(full).mode & 0o777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Returns true when the content changed. */
export function writeAtomic(dir: string, files: Map<string, VolumeFile>): boolean {
  mkdirSync(dir, { recursive: true });
  if (unchanged(dir, files)) return false;
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('Z', '')}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const tsDir = join(dir, stamp);
  mkdirSync(tsDir, { recursive: true });
  for (const [p, f] of files) {
    const full = join(tsDir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.data);
    chmodSync(full, f.mode);
  }
  const old = existsSync(join(dir, DATA)) ? readlinkSync(join(dir, DATA)) : undefined;
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(stamp, tmp);
  renameSync(tmp, join(dir, DATA));
  // Top-level entries: one symlink per first path component, through ..data.
  const wanted = new Set([...files.keys()].map((p) => p.split('/')[0]));
  for (const name of wanted) {
    const link = join(dir, name);
    if (!existsSync(link) && !isSymlink(link)) symlinkSync(join(DATA, name), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..')) continue;
    if (!wanted.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  }
  if (old && old !== stamp) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
