import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { StatusError } from '../errors.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const deployment = (): Any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', finalizers: ['a', 'b', 'd'] },
  spec: {
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
        tolerations: [{ key: 'k1', operator: 'Exists' }],
      },
    },
  },
});

const smp = (patch: unknown, obj: Any = deployment(), kind = 'Deployment'): Any => applyStrategicMergePatch(kind, obj, patch) as Any;
const containers = (o: Any): Any[] => o.spec.template.spec.containers;

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('applyStrategicMergePatch: lists with a merge key', () => {
  test('a new container is merged in by name; the others stay (new ones first, as upstream)', () => {
    const input = deployment();
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'x', image: 'y' }] } } } }, input);
    assert.deepEqual(
      containers(out).map((c) => [c.name, c.image]),
      [
        ['x', 'y'],
        ['nginx', 'nginx:1'],
        ['sidecar', 'busybox'],
      ],
    );
    assert.deepEqual(input, deployment(), 'input not mutated');
  });

  test('an existing container is merged field by field', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } } });
    assert.equal(containers(out)[0].image, 'nginx:2');
    assert.equal(containers(out)[0].env.length, 2, 'other fields kept');
    assert.equal(containers(out)[1].name, 'sidecar');
  });

  test('$patch: delete removes a container', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
    assert.deepEqual(
      containers(out).map((c) => c.name),
      ['nginx'],
    );
  });

  test('env merges by name, keeping live order for known items', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } };
    assert.deepEqual(containers(smp(patch))[0].env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
  });

  test('ports merge by containerPort; CronJob pod templates are found through jobTemplate', () => {
    const cron: Any = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1', ports: [{ containerPort: 80 }] }] } } } } },
    };
    const out = smp({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } } } }, cron, 'CronJob');
    assert.deepEqual(out.spec.jobTemplate.spec.template.spec.containers, [
      { name: 'a', image: '1', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] },
    ]);
  });

  test('Service ports merge by port', () => {
    const svc: Any = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const out = smp({ spec: { ports: [{ port: 80, targetPort: 9090 }] } }, svc, 'Service');
    assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);
  });

  test('$patch: replace in a list replaces it with the other items', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'z' }] } } } });
    assert.deepEqual(containers(out), [{ name: 'only', image: 'z' }]);
  });

  test('a missing merge key is upstream\'s 500 with its message', () => {
    const err = statusOf(() => smp({ spec: { template: { spec: { containers: [{ image: 'y' }] } } } }));
    assert.equal(err.code, 500);
    assert.equal(err.message, 'map: map[image:y] does not contain declared merge key: name');
  });

  test('$patch: merge in a list is rejected', () => {
    const err = statusOf(() => smp({ spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } }));
    assert.equal(err.message, 'merging lists cannot yet be specified in the patch');
  });
});

describe('applyStrategicMergePatch: other lists and directives', () => {
  test('lists without a merge key (tolerations) are replaced', () => {
    const out = smp({ spec: { template: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } } } });
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  });

  test('finalizers (merge, primitive) are unioned', () => {
    assert.deepEqual(smp({ metadata: { finalizers: ['c'] } }).metadata.finalizers, ['c', 'a', 'b', 'd']);
    assert.deepEqual(smp({ metadata: { finalizers: ['b'] } }).metadata.finalizers, ['a', 'b', 'd'], 'known items keep their place');
  });

  test('$setElementOrder orders the merged list (upstream "merge lists of scalars")', () => {
    const out = smp({ metadata: { '$setElementOrder/finalizers': ['a', 'b', 'c'], finalizers: ['c'] } });
    assert.deepEqual(out.metadata.finalizers, ['a', 'b', 'c', 'd']);
  });

  test('$setElementOrder with a keyed list (kubectl apply patches)', () => {
    const out = smp({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }], containers: [{ name: 'sidecar', image: 'b2' }] } } },
    });
    assert.deepEqual(
      containers(out).map((c) => [c.name, c.image]),
      [
        ['sidecar', 'b2'],
        ['nginx', 'nginx:1'],
      ],
    );
  });

  test('$deleteFromPrimitiveList removes values', () => {
    assert.deepEqual(smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zz'] } }).metadata.finalizers, ['a', 'd']);
  });

  test('$retainKeys clears fields not listed', () => {
    const out = smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
    const err = statusOf(() => smp({ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 2 } } } }));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'invalid patch format of retainKeys');
  });

  test('$patch on maps: replace and delete', () => {
    const out = smp({ spec: { template: { metadata: { labels: { $patch: 'replace', only: 'x' } } } } });
    assert.deepEqual(out.spec.template.metadata.labels, { only: 'x' });
    const out2 = smp({ spec: { strategy: { $patch: 'delete' } } });
    assert.deepEqual(out2.spec.strategy, {});
  });

  test('null deletes a field; nulls in new values are dropped', () => {
    const out = smp({ spec: { replicas: null, paused: null, minReadySeconds: 5, selector: { matchLabels: { app: 'web', gone: null } } } });
    assert.equal('replicas' in out.spec, false);
    assert.equal(out.spec.minReadySeconds, 5);
    assert.deepEqual(out.spec.selector, { matchLabels: { app: 'web' } });
  });

  test('unknown kinds merge objects but replace lists', () => {
    const obj: Any = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { items: [{ name: 'a' }], size: 1 } };
    const out = smp({ spec: { items: [{ name: 'b' }] } }, obj, 'Widget');
    assert.deepEqual(out.spec, { items: [{ name: 'b' }], size: 1 });
  });

  test('a patch that is not an object is a 400', () => {
    const err = statusOf(() => smp([1]));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
  });
});
