import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openApiV2, openApiV3Doc, openApiV3Root, serveOpenApiV2, serveOpenApiV3, OPENAPI_V2_PROTOBUF } from './openapi.js';
import { decodeSwaggerProto } from '../api/schema/gnostic.js';

type J = Record<string, any>;
const v3 = (p: string): J => JSON.parse(openApiV3Doc(p)!.body.toString());

describe('OpenAPI v3', () => {
  test('root lists every served group/version with a hash that is the sha512 of its document', () => {
    const root = openApiV3Root();
    assert.ok(root.paths['api/v1']);
    assert.ok(root.paths['apis/apps/v1']);
    assert.ok(root.paths['apis/batch/v1beta1'], 'legacy served versions are listed too');
    const url = root.paths['apis/apps/v1'].serverRelativeURL;
    const doc = openApiV3Doc('apis/apps/v1')!;
    assert.equal(url, `/openapi/v3/apis/apps/v1?hash=${doc.etag}`);
    assert.equal(doc.etag, createHash('sha512').update(doc.body).digest('hex').toUpperCase());
    assert.equal(openApiV3Doc('apis/nope/v1'), undefined);
  });

  test('apps/v1 has the Deployment schema with its GVK, refs wrapped in allOf', () => {
    const d = v3('apis/apps/v1');
    assert.equal(d.openapi, '3.0.0');
    const dep = d.components.schemas['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(dep.properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
    // everything referenced is present
    const body = openApiV3Doc('apis/apps/v1')!.body.toString();
    for (const m of body.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) assert.ok(d.components.schemas[m[1]], m[1]);
    assert.ok(d.components.schemas['io.k8s.api.core.v1.Container']);
    assert.deepEqual(d.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf, [{ type: 'integer' }, { type: 'string' }]);
  });

  test('PATCH/POST/PUT operations carry fieldValidation, dryRun, fieldManager and the GVK', () => {
    const d = v3('apis/apps/v1');
    const item = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    for (const m of ['patch', 'put']) {
      const names = item[m].parameters.map((p: J) => `${p.in}:${p.name}`);
      assert.ok(names.includes('query:fieldValidation') && names.includes('query:dryRun') && names.includes('query:fieldManager'), m);
    }
    assert.equal(item.patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.ok(item.patch.requestBody.content['application/strategic-merge-patch+json']);
    const coll = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.equal(coll.post.operationId, 'createAppsV1NamespacedDeployment');
    assert.equal(coll.get['x-kubernetes-action'], 'list');
    assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection');
    assert.ok(d.paths['/apis/apps/v1/deployments'].get.operationId.endsWith('ForAllNamespaces'));
    const scale = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.put['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
    // cluster-scoped and core resources
    const core = v3('api/v1');
    assert.ok(core.paths['/api/v1/nodes/{name}'].patch);
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get);
    assert.equal(core.paths['/api/v1/componentstatuses/{name}'].patch, undefined, 'only registered verbs');
  });

  test('legacy versions without a kubernetes-types schema still get a tagged envelope', () => {
    const d = v3('apis/batch/v1beta1');
    const cj = d.components.schemas['io.k8s.api.batch.v1beta1.CronJob'];
    assert.deepEqual(cj['x-kubernetes-group-version-kind'], [{ group: 'batch', kind: 'CronJob', version: 'v1beta1' }]);
    assert.ok(d.paths['/apis/batch/v1beta1/namespaces/{namespace}/cronjobs/{name}'].patch.parameters.some((p: J) => p.name === 'fieldValidation'));
  });

  test('hashed URLs are immutable; a stale hash redirects; If-None-Match gives 304', () => {
    const doc = openApiV3Doc('apis/apps/v1')!;
    const r = serveOpenApiV3('apis/apps/v1', doc.etag)!;
    assert.equal(r.status, 200);
    assert.equal(r.headers['Cache-Control'], 'public, immutable');
    assert.equal(r.headers.ETag, `"${doc.etag}"`);
    const stale = serveOpenApiV3('apis/apps/v1', 'ABC')!;
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.Location, `/openapi/v3/apis/apps/v1?hash=${doc.etag}`);
    assert.equal(serveOpenApiV3('apis/apps/v1', undefined, `"${doc.etag}"`)!.status, 304);
  });
});

describe('OpenAPI v2', () => {
  test('protobuf round-trips to the JSON document', () => {
    const { json, protobuf } = openApiV2();
    const canon = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as J)[k])])) : v;
    const decoded = decodeSwaggerProto(protobuf);
    assert.deepEqual(canon(decoded), canon(JSON.parse(json.toString())));
    const dep = (decoded.definitions as J)['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.equal(dep.properties.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  });

  test('content negotiation picks protobuf for client-go\'s Accept header', () => {
    const pb = serveOpenApiV2('application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json');
    assert.equal(pb.headers['Content-Type'], OPENAPI_V2_PROTOBUF);
    assert.equal(pb.body, openApiV2().protobuf);
    const js = serveOpenApiV2('application/json');
    assert.equal(js.headers['Content-Type'], 'application/json');
    assert.equal(JSON.parse(js.body.toString()).swagger, '2.0');
  });
});
