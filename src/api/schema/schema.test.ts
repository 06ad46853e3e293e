import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { definitions, schemaFor, refName } from './definitions.js';
import { findUnknownFields, hasSchema, strictDecodingMessage } from './unknown-fields.js';

describe('definitions', () => {
  test('Pod.spec.containers[].image is a string, reached through $refs', () => {
    const pod = schemaFor('', 'v1', 'Pod');
    assert.ok(pod?.properties?.spec?.$ref);
    const spec = definitions()[refName(pod.properties.spec.$ref)];
    const containers = spec.properties!.containers;
    assert.equal(containers.type, 'array');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    const container = definitions()[refName(containers.items!.$ref!)];
    assert.equal(container.properties!.image.type, 'string');
    assert.deepEqual(container.required, ['name']);
  });

  test('special types are emitted as upstream', () => {
    const d = definitions();
    assert.equal(d['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
    assert.equal(d['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.equal(d['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.equal(d['io.k8s.apimachinery.pkg.runtime.RawExtension'].type, 'object');
    const port = d['io.k8s.api.core.v1.ServicePort'].properties!;
    assert.equal(port.targetPort.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(port.port.format, 'int32');
    assert.equal(d['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!.generation.format, 'int64');
    assert.equal(d['io.k8s.api.core.v1.Secret'].properties!.data.additionalProperties && (d['io.k8s.api.core.v1.Secret'].properties!.data.additionalProperties as { format?: string }).format, 'byte');
  });

  test('top-level kinds carry their group/version/kind', () => {
    assert.deepEqual(schemaFor('apps', 'v1', 'Deployment')?.['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.ok(schemaFor('events.k8s.io', 'v1', 'Event')?.properties?.reportingController);
    assert.ok(schemaFor('', 'v1', 'Event')?.properties?.involvedObject);
    assert.equal(schemaFor('apps', 'v1beta1', 'Deployment'), undefined);
  });
});

describe('findUnknownFields', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web', anything: 'x' }, annotations: { 'a/b': 'c' } },
    spec: {
      replica: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'a', image: 'nginx', resources: { limits: { cpu: '1' } }, env: [{ name: 'X', value: '1' }] },
            { name: 'b', imagee: 'nginx', ports: [{ containerPort: 80, hostnam: 'x' }] },
          ],
        },
      },
      strategy: { rollingUpdate: { maxSurge: '25%' } },
    },
  };

  test('reports unknown fields with upstream paths, in document order', () => {
    assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', deployment), [
      'spec.replica',
      'spec.template.spec.containers[1].imagee',
      'spec.template.spec.containers[1].ports[0].hostnam',
    ]);
  });

  test('map keys (labels, annotations, data, resources) are never reported', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { x: 'y' } }, data: { 'any.key': 'v', other: 'w' } };
    assert.deepEqual(findUnknownFields('', 'v1', 'ConfigMap', cm), []);
    const ok = structuredClone(deployment) as { spec: Record<string, unknown> };
    delete ok.spec.replica;
    const c = (ok.spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[1];
    delete c.imagee;
    delete (c.ports as Record<string, unknown>[])[0].hostnam;
    assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', ok), []);
  });

  test('metadata, status and free-form fields', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', nmae: 'typo', managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] },
      spec: { containers: [{ name: 'c', image: 'i', securityContext: { runAsUser: 1, bogus: true } }] },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1', extra: 1 }] },
    };
    assert.deepEqual(findUnknownFields('', 'v1', 'Pod', pod), [
      'metadata.nmae',
      'spec.containers[0].securityContext.bogus',
      'status.podIPs[0].extra',
    ]);
  });

  test('null values, type mismatches and kinds without a schema report nothing', () => {
    assert.deepEqual(findUnknownFields('', 'v1', 'Pod', { spec: null, metadata: { labels: null } }), []);
    assert.deepEqual(findUnknownFields('', 'v1', 'Pod', { spec: { containers: 'nope' } }), []);
    assert.equal(hasSchema('batch', 'v1beta1', 'CronJob'), false);
    assert.deepEqual(findUnknownFields('batch', 'v1beta1', 'CronJob', { spec: { whatever: 1 } }), []);
  });

  test('recursive schemas (CRD openAPIV3Schema) compile and are checked', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'x.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'X', plural: 'xs' },
        scope: 'Namespaced',
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, typo: 1 } } } },
        }],
      },
    };
    assert.deepEqual(findUnknownFields('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', crd), [
      'spec.versions[0].schema.openAPIV3Schema.properties.spec.typo',
    ]);
  });

  test('strict decoding message matches upstream', () => {
    assert.equal(strictDecodingMessage(['spec.replica', 'spec.x']), 'strict decoding error: unknown field "spec.replica", unknown field "spec.x"');
  });
});
