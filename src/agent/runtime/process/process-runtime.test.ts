// The process runtime on its own: terminals (tty containers, exec -t with resizes), image
// errors and, as root, cgroup OOM kills and per-container bind mounts. As root the file re-runs
// itself inside ../shared/tools/in-netns (the runtime is created without pod networks anyway).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessRuntime } from './process-runtime.js';
import { ImageUnavailableError, type ContainerConfig, type PodSandboxConfig } from '../runtime.js';
import { ptyHelperPython } from './pty.js';

const REPO = resolve(fileURLToPath(new URL('../../../../..', import.meta.url)));
const IN_NETNS = resolve(REPO, '..', 'shared', 'tools', 'in-netns');
const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

if (isRoot && !process.env.SKIFF_TEST_NETNS) {
  test('process runtime (re-run inside a fresh network namespace)', { skip: existsSync(IN_NETNS) ? false : `${IN_NETNS} is missing` }, () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(IN_NETNS, ['--', process.execPath, '--test', '--test-reporter=spec', fileURLToPath(import.meta.url)], { stdio: 'inherit', timeout: 60_000, env });
    assert.equal(r.status, 0, 'the process runtime tests failed inside the network namespace (see output above)');
  });
} else {
  suite();
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function suite(): void {
  const noPython = ptyHelperPython() ? false : 'python3 is not installed: terminals need it';
  describe('process runtime', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-rt-'));
    let rt: ProcessRuntime;
    let sb: PodSandboxConfig;
    let sandboxId = '';
    let n = 0;
    const container = (o: Partial<ContainerConfig>): ContainerConfig => ({
      name: `c${++n}`,
      attempt: 0,
      image: 'busybox',
      command: [],
      args: [],
      env: [],
      mounts: [],
      stdin: false,
      stdinOnce: false,
      tty: false,
      logPath: `c${n}/0.log`,
      labels: {},
      annotations: {},
      ...o,
    });
    const run = async (o: Partial<ContainerConfig>) => {
      const cfg = container(o);
      const id = await rt.createContainer(sandboxId, cfg, sb);
      await rt.startContainer(id);
      return id;
    };
    const exited = (id: string) => until(`container ${id} to exit`, async () => ((await rt.containerStatus(id)).state === 'CONTAINER_EXITED' ? rt.containerStatus(id) : undefined), 20_000);

    before(async () => {
      rt = await ProcessRuntime.create({ dataDir: join(dir, 'data'), podNetwork: false });
      sb = { name: 'p', namespace: 'default', uid: 'uid-1', attempt: 0, hostname: 'p', hostNetwork: false, portMappings: [], labels: {}, annotations: {}, podDir: join(dir, 'pod'), logDirectory: join(dir, 'pod') };
      sandboxId = await rt.runPodSandbox(sb);
    });
    after(async () => {
      await rt.shutdown();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a tty container runs on a pseudo-terminal', { skip: noPython }, async () => {
      const id = await run({ command: ['sh', '-c', 'tty; [ -t 1 ] && echo stdout-is-a-terminal'], tty: true, stdin: true });
      const st = await exited(id);
      assert.equal(st.exitCode, 0);
      const log = readFileSync(st.logPath, 'utf8');
      assert.match(log, / stdout F \/dev\/pts\/\d+\r?\n/);
      assert.match(log, /stdout-is-a-terminal/);
    });

    test('exec with a tty: terminal, stdin, resize and the exit code', { skip: noPython }, async () => {
      const id = await run({ command: ['sleep', '30'] });
      const out = new Collect();
      const code = await rt.exec(id, ['sh', '-c', 'tty'], { stdout: out, tty: true });
      assert.equal(code, 0);
      assert.match(out.text, /^\/dev\/pts\/\d+\r\n$/);

      const stdin = new PassThrough();
      const resize = new PassThrough({ objectMode: true });
      const shell = new Collect();
      const done = rt.exec(id, ['sh'], { stdin, stdout: shell, tty: true, resize });
      resize.write({ width: 100, height: 40 });
      await sleep(200);
      stdin.write('stty size; echo "hello $((6*7))"; exit 3\n');
      assert.equal(await done, 3);
      assert.match(shell.text, /40 100\r\n/);
      assert.match(shell.text, /hello 42\r\n/);
      resize.end();
      await rt.stopContainer(id, 0);
    });

    test('an image that is neither built in nor given a command cannot be provided', async () => {
      await assert.rejects(rt.createContainer(sandboxId, container({ image: 'nginx:1.17' }), sb), (e: unknown) => {
        assert.ok(e instanceof ImageUnavailableError);
        assert.equal(e.image, 'nginx:1.17');
        assert.match(e.message, /is not a Skiff built-in image and the container has no command/);
        return true;
      });
    });

    test('a container over its memory limit is OOMKilled (root, cgroups v1)', { skip: isRoot && rt0().enforces ? false : 'needs root with cgroup v1 memory limits' }, async () => {
      const id = await run({
        command: [process.execPath, '-e', 'const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));'],
        resources: { memoryLimitBytes: 64 * 2 ** 20 },
      });
      const st = await exited(id);
      assert.equal(st.reason, 'OOMKilled');
      assert.equal(st.exitCode, 137);
    });

    test('mounts (the pod /etc files) appear only inside the container (root)', { skip: isRoot && rt0().enforces ? false : 'per-container mount namespaces need root' }, async () => {
      const file = join(dir, 'resolv.conf');
      writeFileSync(file, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local\n');
      const hostBefore = readFileSync('/etc/resolv.conf', 'utf8');
      const id = await run({ command: ['cat', '/etc/resolv.conf'], mounts: [{ containerPath: '/etc/resolv.conf', hostPath: file, readonly: false }] });
      const st = await exited(id);
      assert.equal(st.exitCode, 0);
      assert.match(readFileSync(st.logPath, 'utf8'), /stdout F nameserver 10\.96\.0\.10\n/);
      assert.equal(readFileSync('/etc/resolv.conf', 'utf8'), hostBefore, 'the host file is untouched');
    });
  });
}

/** Whether this machine enforces limits for root (cgroup v1 memory + unshare). */
function rt0(): { enforces: boolean } {
  return { enforces: existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') && existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') };
}
