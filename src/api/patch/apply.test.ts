import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAST_APPLIED_ANNOTATION, fieldManagerFor, fieldManagerFromUserAgent, serverSideApply, trackUpdate } from './apply.js';
import type { ApplyOptions } from './apply.js';
import { StatusError } from '../errors.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:05:00Z';
const T2 = '2024-05-01T10:10:00Z';

const config = (over: Any = {}): Any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
    },
  },
  ...over,
});

const opts = (manager: string, now = T0, force = false): ApplyOptions => ({ manager, force, now, apiVersion: 'apps/v1' });
const apply = (live: Any | undefined, cfg: Any, o: ApplyOptions): Any => serverSideApply('Deployment', live, cfg, o) as Any;
const entries = (o: Any): Any[] => o.metadata.managedFields ?? [];
const entry = (o: Any, manager: string): Any | undefined => entries(o).find((e) => e.manager === manager);
/** Stored objects get a uid on create, as the apiserver assigns it. */
const stored = (o: Any): Any => ({ ...o, metadata: { ...o.metadata, uid: 'uid-1' } });

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('serverSideApply', () => {
  test('create: the applier owns exactly what it set, in upstream fieldsV1 form', () => {
    const out = apply(undefined, config(), opts('kubectl'));
    assert.equal(out.spec.replicas, 2);
    assert.deepEqual(entries(out), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test('re-applying the same configuration changes nothing (not even the time)', () => {
    const live = stored(apply(undefined, config(), opts('kubectl')));
    const again = apply(live, config(), opts('kubectl', T1));
    assert.deepEqual(again, live);
  });

  test('a field the applier stops setting is removed; changed values are applied', () => {
    const live = stored(apply(undefined, config(), opts('kubectl')));
    const cfg = config();
    delete cfg.metadata.labels;
    cfg.spec.template.spec.containers[0].image = 'nginx:2';
    delete cfg.spec.template.spec.containers[0].ports;
    const out = apply(live, cfg, opts('kubectl', T1));
    assert.equal(out.metadata.labels, undefined);
    assert.deepEqual(out.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:2' }]);
    assert.equal(entry(out, 'kubectl')!.time, T1);
    assert.equal(entry(out, 'kubectl')!.fieldsV1['f:metadata'], undefined);
  });

  test('removing a container removes the whole item', () => {
    const two = config();
    two.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    const live = stored(apply(undefined, two, opts('kubectl')));
    const out = apply(live, config(), opts('kubectl', T1));
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: Any) => c.name),
      ['nginx'],
    );
  });

  test('a field changed by another manager conflicts, with upstream message and causes', () => {
    const live = stored(apply(undefined, config(), opts('kubectl-client-side-apply')));
    const cfg = config();
    cfg.spec.replicas = 5;
    const err = statusOf(() => apply(live, cfg, opts('mgr')));
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply": .spec.replicas');
    assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply"', field: '.spec.replicas' }]);
  });

  test('conflicts with an updater name its apiVersion; several conflicts are listed per manager', () => {
    const created = stored(apply(undefined, config(), opts('kubectl')));
    const scaled = structuredClone(created);
    scaled.spec.replicas = 7;
    scaled.spec.template.spec.containers[0].image = 'nginx:9';
    const live = trackUpdate('Deployment', created, scaled, 'kubectl-edit', 'Update', 'apps/v1', T1) as Any;
    const err = statusOf(() => apply(live, config(), opts('kubectl', T2)));
    assert.equal(
      err.message,
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
    assert.deepEqual(
      err.details?.causes?.map((c) => c.field),
      ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image'],
    );
    assert.equal(err.details?.causes?.[0].message, 'conflict with "kubectl-edit" using apps/v1');
  });

  test('force takes ownership from the other manager', () => {
    const live = stored(apply(undefined, config(), opts('first')));
    const cfg = config({ metadata: { name: 'web', namespace: 'default' } });
    cfg.spec.replicas = 5;
    const out = apply(live, cfg, opts('second', T1, true));
    assert.equal(out.spec.replicas, 5);
    assert.equal(entry(out, 'second')!.fieldsV1['f:spec']['f:replicas'] !== undefined, true);
    assert.equal(entry(out, 'first')!.fieldsV1['f:spec']['f:replicas'], undefined, 'first lost .spec.replicas');
    assert.notEqual(entry(out, 'first')!.fieldsV1['f:spec']['f:template'], undefined, 'first keeps the rest');
  });

  test('a field owned by two appliers stays until both stop setting it', () => {
    const replicasOnly = (n: number): Any => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: n } });
    const bare: Any = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } };
    let live = stored(apply(undefined, config(), opts('base')));
    live = apply(live, replicasOnly(2), opts('a', T1));
    live = apply(live, replicasOnly(2), opts('b', T1));
    assert.ok(entry(live, 'a') && entry(live, 'b'), 'same value: shared, no conflict');
    live = apply(live, bare, opts('a', T2));
    assert.equal(live.spec.replicas, 2, 'still owned by b (and base)');
    live = apply(live, bare, opts('b', T2));
    live = apply(live, { ...config(), spec: { ...config().spec, replicas: undefined } }, opts('base', T2));
    assert.equal(live.spec.replicas, undefined, 'removed once nobody applies it');
  });

  test('fields set before the first apply belong to "before-first-apply"', () => {
    const legacy: Any = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', uid: 'u' }, spec: { replicas: 1, paused: true } };
    const err = statusOf(() => apply(legacy, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }, opts('m')));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const out = apply(legacy, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { paused: true } }, opts('m'));
    assert.deepEqual(entry(out, 'before-first-apply')!.fieldsV1, { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
  });

  test('kubectl server-side apply takes over fields its client-side apply still holds', () => {
    const csa = config();
    csa.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(config()) };
    const created = trackUpdate('Deployment', undefined, csa, 'kubectl-client-side-apply', 'Update', 'apps/v1', T0) as Any;
    const cfg = config();
    cfg.spec.replicas = 4;
    const out = apply(stored(created), cfg, opts('kubectl', T1));
    assert.equal(out.spec.replicas, 4);
    const annotation = JSON.parse(out.metadata.annotations[LAST_APPLIED_ANNOTATION]);
    assert.equal(annotation.spec.replicas, 4, 'the last-applied annotation follows the server-side apply');
    // Another manager name gets the conflict.
    assert.equal(statusOf(() => apply(stored(created), cfg, opts('other', T1))).code, 409);
  });

  test('rejects managedFields in the configuration, a wrong kind, and list items without keys', () => {
    const withMf = config();
    withMf.metadata.managedFields = [];
    assert.equal(statusOf(() => apply(undefined, withMf, opts('m'))).message, 'metadata.managedFields must be nil');
    assert.equal(statusOf(() => apply(undefined, { ...config(), kind: 'StatefulSet' }, opts('m'))).message, 'invalid object type: apps/v1, Kind=StatefulSet');
    const noName = config();
    delete noName.spec.template.spec.containers[0].name;
    const err = statusOf(() => apply(undefined, noName, opts('m')));
    assert.equal(err.code, 500);
    assert.equal(
      err.message,
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });

  test('status is not owned through the main resource', () => {
    const out = apply(undefined, { ...config(), status: { replicas: 9 } }, opts('m'));
    assert.equal(entry(out, 'm')!.fieldsV1['f:status'], undefined);
  });
});

describe('trackUpdate', () => {
  const created = (): Any => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }], restartPolicy: 'Always' } },
    },
    status: {},
  });

  test('a create is owned by its manager, with "." where upstream puts it', () => {
    const out = trackUpdate('Deployment', undefined, created(), 'kubectl-create', 'Update', 'apps/v1', '2024-05-01T10:00:00.123Z') as Any;
    assert.deepEqual(entries(out), [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } },
                'f:restartPolicy': {},
              },
            },
          },
        },
      },
    ]);
  });

  test('an update takes the fields it changed from other managers', () => {
    const c = stored(trackUpdate('Deployment', undefined, created(), 'kubectl-create', 'Update', 'apps/v1', T0) as Any);
    const next = structuredClone(c);
    next.spec.replicas = 3;
    next.metadata.labels.tier = 'web';
    const out = trackUpdate('Deployment', c, next, 'kubectl-edit', 'Update', 'apps/v1', T1) as Any;
    assert.deepEqual(entry(out, 'kubectl-edit')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } }, 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(out, 'kubectl-create')!.fieldsV1['f:spec']['f:replicas'], undefined);
    assert.deepEqual(entries(out).map((e) => e.manager), ['kubectl-create', 'kubectl-edit'], 'oldest first');
    const unchanged = trackUpdate('Deployment', out, structuredClone(out), 'noop', 'Update', 'apps/v1', T2) as Any;
    assert.deepEqual(unchanged.metadata.managedFields, out.metadata.managedFields, 'no change, no entry');
  });

  test('removing a field drops it from its owner; status changes through the main resource are not tracked', () => {
    const c = stored(trackUpdate('Deployment', undefined, created(), 'kubectl-create', 'Update', 'apps/v1', T0) as Any);
    const next = structuredClone(c);
    delete next.spec.template.spec.restartPolicy;
    next.status = { replicas: 1 };
    const out = trackUpdate('Deployment', c, next, 'x', 'Update', 'apps/v1', T1) as Any;
    assert.equal(entry(out, 'x'), undefined);
    assert.equal(entry(out, 'kubectl-create')!.fieldsV1['f:spec']['f:template']['f:spec']['f:restartPolicy'], undefined);
  });

  test('status subresource writes are tracked with their subresource', () => {
    const c = stored(trackUpdate('Deployment', undefined, created(), 'kubectl-create', 'Update', 'apps/v1', T0) as Any);
    const next = structuredClone(c);
    next.status = { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
    const out = trackUpdate('Deployment', c, next, 'kube-controller-manager', 'Update', 'apps/v1', T1, 'status') as Any;
    const e = entry(out, 'kube-controller-manager')!;
    assert.equal(e.subresource, 'status');
    assert.deepEqual(e.fieldsV1, {
      'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} },
    });
  });

  test('objects without managedFields are not tracked; [] in the request wipes them', () => {
    const legacy: Any = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u' }, data: { a: '1' } };
    const out = trackUpdate('ConfigMap', legacy, { ...legacy, data: { a: '2' } }, 'm', 'Update', 'v1', T0) as Any;
    assert.equal(out.metadata.managedFields, undefined);
    const tracked = stored(trackUpdate('ConfigMap', undefined, legacy, 'm', 'Update', 'v1', T0) as Any);
    assert.equal(entries(tracked).length, 1);
    const wiped = trackUpdate('ConfigMap', tracked, { ...tracked, metadata: { ...tracked.metadata, managedFields: [] } }, 'm', 'Update', 'v1', T1) as Any;
    assert.equal(wiped.metadata.managedFields, undefined);
  });

  test('at most 10 update managers; the oldest fold into "ancient-changes"', () => {
    let o: Any = stored(trackUpdate('ConfigMap', undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k0: 'v' } }, 'm0', 'Update', 'v1', T0) as Any);
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(o);
      next.data[`k${i}`] = 'v';
      o = trackUpdate('ConfigMap', o, next, `m${i}`, 'Update', 'v1', `2024-05-01T10:00:${String(i).padStart(2, '0')}Z`) as Any;
    }
    const names = entries(o).map((e) => e.manager);
    assert.equal(names.length, 10);
    assert.equal(names[0], 'ancient-changes');
    assert.deepEqual(Object.keys(entry(o, 'ancient-changes')!.fieldsV1['f:data']), ['.', 'f:k0', 'f:k1', 'f:k2']);
  });
});

describe('field manager names', () => {
  test('derived from the User-Agent when no fieldManager is given', () => {
    assert.equal(fieldManagerFromUserAgent('kubectl/v1.31.0 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(fieldManagerFor(undefined, 'kubectl/v1.31.0'), 'kubectl');
    assert.equal(fieldManagerFor('kubectl-client-side-apply', 'kubectl/v1.31.0'), 'kubectl-client-side-apply');
    assert.equal(fieldManagerFromUserAgent('a\u0000b/1'), 'ab');
    assert.equal(fieldManagerFromUserAgent('x'.repeat(200)).length, 128);
  });
});
