import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { PLACEHOLDER_SA_TOKEN, VolumeError, VolumeManager, type VolumeSources } from './volume-manager.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-volumes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const ctx = { podIP: '10.42.0.7', hostIP: '10.42.0.1', nodeAllocatable: { cpuMillis: 4000, memoryBytes: 8 * 2 ** 30, ephemeralBytes: 100 * 2 ** 30 } };

function sources(o: { token?: string; pvPath?: string; pvcBound?: boolean } = {}): VolumeSources & { tokenCalls: unknown[][] } {
  const cms: Record<string, ConfigMap> = { cfg: { data: { 'app.conf': 'port=80', other: 'x' } } };
  const secrets: Record<string, Secret> = { creds: { data: { password: Buffer.from('s3cret').toString('base64') } } };
  const tokenCalls: unknown[][] = [];
  return {
    tokenCalls,
    configMap: async (_ns, name) => cms[name],
    secret: async (_ns, name) => secrets[name],
    pvc: async (_ns, name): Promise<PersistentVolumeClaim | undefined> =>
      name === 'data' ? { spec: { volumeName: 'pv-1' }, status: { phase: o.pvcBound === false ? 'Pending' : 'Bound' } } : undefined,
    pv: async (name): Promise<PersistentVolume | undefined> => (name === 'pv-1' ? { spec: { hostPath: { path: o.pvPath ?? join(root, 'pv-1') } } } : undefined),
    token: async (...args) => {
      tokenCalls.push(args);
      return o.token;
    },
  };
}

let n = 0;
function pod(spec: Partial<Pod['spec']> & object): Pod {
  n++;
  return {
    metadata: { name: `p${n}`, namespace: 'team', uid: `uid-${n}`, labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
    spec: { containers: [{ name: 'app', image: 'skiff/pause', resources: { limits: { cpu: '500m', memory: '64Mi' } } }], ...spec },
  } as Pod;
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('VolumeManager', () => {
  test('projected: configMap, secret, downwardAPI and a service account token in one directory', async () => {
    const src = sources({ token: 'header.payload.sig' });
    const vm = new VolumeManager(join(root, 'pods'), src, false);
    const p = pod({
      serviceAccountName: 'builder',
      volumes: [
        {
          name: 'all',
          projected: {
            sources: [
              { configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
              { secret: { name: 'creds' } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
              { serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } },
            ],
          },
        },
      ],
    });
    const dirs = await vm.setUp(p, ctx);
    const dir = dirs.get('all')!;
    assert.equal(read(dir, 'conf/app.conf'), 'port=80');
    assert.equal(existsSync(join(dir, 'other')), false, 'items select keys');
    assert.equal(read(dir, 'password'), 's3cret');
    assert.equal(read(dir, 'labels'), 'app="web"\ntier="front"');
    assert.equal(read(dir, 'token'), 'header.payload.sig');
    assert.deepEqual(src.tokenCalls, [['team', 'builder', 'vault', 600]]);
  });

  test('projected service account token: a placeholder when the API server issues none', async () => {
    const vm = new VolumeManager(join(root, 'pods'), sources(), false);
    const dirs = await vm.setUp(pod({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] }), ctx);
    assert.equal(read(dirs.get('t')!, 'token'), PLACEHOLDER_SA_TOKEN);
  });

  test('downwardAPI: fieldRef and resourceFieldRef files with modes', async () => {
    const vm = new VolumeManager(join(root, 'pods'), sources(), false);
    const p = pod({
      volumes: [
        {
          name: 'info',
          downwardAPI: {
            defaultMode: 0o600,
            items: [
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'ip', fieldRef: { fieldPath: 'status.podIP' } },
              { path: 'note', fieldRef: { fieldPath: "metadata.annotations['note']" } },
              { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
              { path: 'mem_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' }, mode: 0o644 },
            ],
          },
        },
      ],
    });
    const dir = (await vm.setUp(p, ctx)).get('info')!;
    assert.equal(read(dir, 'name'), p.metadata!.name);
    assert.equal(read(dir, 'ip'), '10.42.0.7');
    assert.equal(read(dir, 'note'), 'hi');
    assert.equal(read(dir, 'cpu_limit'), '500');
    assert.equal(read(dir, 'mem_limit'), '64');
    assert.equal(statSync(join(dir, 'name')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'mem_limit')).mode & 0o777, 0o644);
  });

  test('persistentVolumeClaim: the bound PV path, created if missing; unbound claims wait', async () => {
    const pvPath = join(root, 'local-path', 'pv-1');
    const vm = new VolumeManager(join(root, 'pods'), sources({ pvPath }), false);
    const dirs = await vm.setUp(pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }), ctx);
    assert.equal(dirs.get('d'), pvPath);
    assert.ok(statSync(pvPath).isDirectory());
    const pending = new VolumeManager(join(root, 'pods'), sources({ pvcBound: false }), false);
    await assert.rejects(pending.setUp(pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }), ctx), (e: unknown) => {
      assert.ok(e instanceof VolumeError);
      assert.equal(e.message, 'MountVolume.SetUp failed for volume "d" : persistentvolumeclaim "data" is not bound yet');
      return true;
    });
    await assert.rejects(vm.setUp(pod({ volumes: [{ name: 'm', persistentVolumeClaim: { claimName: 'missing' } }] }), ctx), /persistentvolumeclaim "missing" not found/);
  });

  test('subPath mounts a directory or file inside the volume', async () => {
    const vm = new VolumeManager(join(root, 'pods'), sources(), false);
    const p = pod({ volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'scratch', emptyDir: {} }] });
    const dirs = await vm.setUp(p, ctx);
    const mounts = vm.mountsFor(
      {
        name: 'app',
        volumeMounts: [
          { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf', readOnly: true },
          { name: 'scratch', mountPath: '/var/cache/app', subPath: 'cache/app' },
        ],
      },
      dirs,
    );
    assert.deepEqual(mounts, [
      { containerPath: '/etc/app.conf', hostPath: join(dirs.get('cfg')!, 'app.conf'), readonly: true },
      { containerPath: '/var/cache/app', hostPath: join(dirs.get('scratch')!, 'cache/app'), readonly: false },
    ]);
    assert.equal(readFileSync(mounts[0].hostPath, 'utf8'), 'port=80');
    assert.ok(statSync(mounts[1].hostPath).isDirectory(), 'a missing subPath directory is created');
    assert.throws(() => vm.mountsFor({ name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/bad', subPath: '../../escape' }] }, dirs), /invalid path/);
  });

  test('emptyDir medium Memory is a tmpfs (root) and is unmounted at tear-down', { skip: isRoot ? false : 'mounting tmpfs needs root' }, async () => {
    const vm = new VolumeManager(join(root, 'pods'), sources(), true);
    const p = pod({ volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }] });
    const dir = (await vm.setUp(p, ctx)).get('mem')!;
    const mountLine = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === dir);
    const line = mountLine();
    assert.ok(line, 'the emptyDir is a mount point');
    assert.match(line, / - tmpfs /);
    assert.match(line, /size=16384k/);
    await vm.tearDown(p.metadata!.uid!);
    assert.equal(mountLine(), undefined);
    assert.equal(existsSync(dir), false);
  });
});
