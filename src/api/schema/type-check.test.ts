import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTypeError } from './type-check.js';

const dep = (spec: unknown) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec });

test('well-typed objects pass, including int-or-string, quantities and nulls', () => {
  const ok = dep({
    replicas: 2,
    selector: { matchLabels: { app: 'x' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: { metadata: { labels: { app: 'x' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 1, memory: '1Gi' } }, ports: [{ containerPort: 80 }] }] } },
  });
  assert.equal(findTypeError('apps', 'v1', 'Deployment', ok), undefined);
});

test('a number where a struct belongs is reported as Go would', () => {
  const e = findTypeError('apps', 'v1', 'Deployment', dep(0));
  assert.deepEqual(e, { path: 'spec', message: 'json: cannot unmarshal number into Go struct field Deployment.spec of type v1.DeploymentSpec' });
});

test('nested scalars name the innermost struct and the full path', () => {
  const e = findTypeError('apps', 'v1', 'Deployment', dep({ selector: {}, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: '80' }] }] } } }));
  assert.equal(e?.message, 'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32');
  const f = findTypeError('', 'v1', 'ConfigMap', { metadata: { labels: { a: 1 } } });
  assert.equal(f?.message, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  const g = findTypeError('apps', 'v1', 'Deployment', dep({ replicas: 1.5 }));
  assert.equal(g?.message, 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
});
