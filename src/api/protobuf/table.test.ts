import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../registry.js';
import { definitions } from '../schema/definitions.js';
import { messageInfo, messageNameFor, sortedFields, type FieldInfo } from './table.js';

test('every served kind (and the subresource bodies) has a protobuf message', () => {
  for (const rt of RESOURCES) {
    const av = rt.group ? `${rt.group}/${rt.version}` : rt.version;
    assert.ok(messageNameFor(av, rt.kind), `${av} ${rt.kind}`);
  }
  // kubectl autoscale writes autoscaling/v1.
  assert.equal(messageNameFor('autoscaling/v1', 'HorizontalPodAutoscaler'), 'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler');
  assert.equal(messageNameFor('autoscaling/v1', 'Scale'), 'k8s.io.api.autoscaling.v1.Scale');
  assert.equal(messageNameFor('policy/v1', 'Eviction'), 'k8s.io.api.policy.v1.Eviction');
  assert.equal(messageNameFor('v1', 'Binding'), 'k8s.io.api.core.v1.Binding');
  assert.equal(messageNameFor('v1', 'DeleteOptions'), 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
});

test('known wire facts: numbers, int32 vs int64, maps, bytes, inline and pointers', () => {
  const f = (msg: string, n: number): FieldInfo => messageInfo(msg).fields![n];
  assert.deepEqual(f('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 1), { json: 'name', type: 'string', omitEmpty: true });
  assert.equal(f('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 7).type, 'int64'); // generation
  assert.equal(f('k8s.io.api.core.v1.ContainerPort', 3).json, 'containerPort');
  assert.equal(f('k8s.io.api.core.v1.ContainerPort', 3).type, 'int32');
  assert.deepEqual(f('k8s.io.api.core.v1.Secret', 2), { json: 'data', type: 'map', key: 'string', value: 'bytes', omitEmpty: true });
  assert.deepEqual(f('k8s.io.api.core.v1.Volume', 2), { inline: true, type: 'k8s.io.api.core.v1.VolumeSource' });
  assert.equal(f('k8s.io.api.apps.v1.DeploymentSpec', 1).ptr, true); // replicas *int32
  assert.equal(messageInfo('k8s.io.apimachinery.pkg.util.intstr.IntOrString').special, 'IntOrString');
  assert.equal(messageInfo('k8s.io.apimachinery.pkg.api.resource.Quantity').special, 'Quantity');
});

// Fields added in Kubernetes 1.31/1.32 (the table's release) that the OpenAPI definitions,
// generated from an older kubernetes-types, do not have yet.
const NEWER_THAN_SCHEMAS = new Set(['k8s.io.api.core.v1.Volume.image']);

test('JSON names agree with the OpenAPI definitions of the same types', () => {
  const defs = definitions();
  const names = (msg: string): string[] =>
    sortedFields(messageInfo(msg)).flatMap(([, f]) => (f.inline ? names(f.type) : f.json === '-' ? [] : [f.json!]));
  let checked = 0;
  for (const msg of ['k8s.io.api.core.v1.Pod', 'k8s.io.api.core.v1.Container', 'k8s.io.api.core.v1.Volume', 'k8s.io.api.core.v1.ServicePort', 'k8s.io.api.apps.v1.DeploymentSpec', 'k8s.io.api.batch.v1.JobSpec', 'k8s.io.api.rbac.v1.PolicyRule', 'k8s.io.api.networking.v1.IngressRule', 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', 'k8s.io.api.core.v1.Probe', 'k8s.io.api.core.v1.PersistentVolumeSpec']) {
    const def = defs[`io.${msg.slice('k8s.io.'.length).replace(/^api\./, 'k8s.api.').replace(/^apimachinery\./, 'k8s.apimachinery.')}`];
    assert.ok(def?.properties, msg);
    for (const n of names(msg)) {
      if (NEWER_THAN_SCHEMAS.has(`${msg}.${n}`)) continue;
      assert.ok(n in def.properties!, `${msg}.${n}`);
      checked++;
    }
  }
  assert.ok(checked > 150);
});
