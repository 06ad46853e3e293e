// Skiff's built-in images: small node programs the process runtime runs when a container
// has no command. The seeds' demo images are accepted as aliases so their manifests run as-is.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type BuiltinImage = 'pause' | 'echo-server' | 'kuard' | 'agnhost';

/** Image reference without registry-irrelevant parts: drop the digest and tag. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

const ALIASES: Record<string, BuiltinImage> = {
  'skiff/pause': 'pause',
  'registry.k8s.io/pause': 'pause',
  'k8s.gcr.io/pause': 'pause',
  'skiff/echo-server': 'echo-server',
  'kicbase/echo-server': 'echo-server',
  'skiff/kuard': 'kuard',
  'gcr.io/kuar-demo/kuard-amd64': 'kuard',
  'skiff/agnhost': 'agnhost',
  'registry.k8s.io/e2e-test-images/agnhost': 'agnhost',
};

export function builtinImage(image: string): BuiltinImage | undefined {
  return ALIASES[imageRepository(image)];
}

export function builtinImageNames(): string[] {
  return Object.keys(ALIASES).filter((k) => k.startsWith('skiff/'));
}

/** Path of the compiled program for a built-in image (dist/src/agent/images/<name>.js). */
export function builtinImageScript(name: BuiltinImage): string {
  const p = fileURLToPath(new URL(`../../images/${name}.js`, import.meta.url));
  if (!existsSync(p)) throw new Error(`built-in image program ${p} is missing (run the build)`);
  return p;
}

/**
 * The argv to run for a container. A built-in image runs its program with the container's args
 * (or, for agnhost, a command naming the agnhost binary); any other image needs a command,
 * which runs on the host because the process runtime ignores image filesystems.
 */
export function resolveArgv(image: string, command: string[], args: string[]): string[] {
  const builtin = builtinImage(image);
  if (builtin && command.length > 0 && /(^|\/)agnhost$/.test(command[0]) && builtin === 'agnhost') {
    return [process.execPath, builtinImageScript(builtin), ...command.slice(1), ...args];
  }
  if (command.length > 0) return [...command, ...args];
  if (builtin) return [process.execPath, builtinImageScript(builtin), ...args];
  if (args.length > 0) {
    throw new Error(
      `image "${image}" is not a Skiff built-in image and the container has args but no command: the process runtime ignores image entrypoints, so set command (args alone would run "${args[0]}")`,
    );
  }
  throw new Error(
    `image "${image}" is not a Skiff built-in image and the container has no command: the process runtime runs host commands and ignores image filesystems; set command (e.g. ["sh", "-c", "..."]) or use one of ${builtinImageNames().join(', ')}`,
  );
}
