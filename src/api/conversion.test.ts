import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertFromStored, convertToStored } from './conversion.js';

describe('legacy conversion', () => {
  test('autoscaling/v1 HPA ⇄ v2', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 80 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 12 },
    };
    const stored = convertToStored('autoscaling/v1', 'HorizontalPodAutoscaler', v1);
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.deepEqual(stored.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.equal(stored.spec.targetCPUUtilizationPercentage, undefined);
    assert.deepEqual(stored.status.currentMetrics[0].resource.current, { averageUtilization: 12 });
    assert.deepEqual(convertFromStored('autoscaling/v1', 'HorizontalPodAutoscaler', stored), v1);
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 80, 'input not mutated');
  });
  test('v2beta2 HPA and v1beta1 CronJob only change apiVersion', () => {
    const cj = { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *' } };
    const s = convertToStored('batch/v1beta1', 'CronJob', cj);
    assert.equal(s.apiVersion, 'batch/v1');
    assert.deepEqual(convertFromStored('batch/v1beta1', 'CronJob', s), cj);
    assert.equal(convertToStored('autoscaling/v2beta2', 'HorizontalPodAutoscaler', { apiVersion: 'autoscaling/v2beta2', spec: {} }).apiVersion, 'autoscaling/v2');
  });
  test('extensions/v1beta1 Ingress ⇄ networking.k8s.io/v1', () => {
    const legacy = {
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        backend: { serviceName: 'default', servicePort: 80 },
        rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: { serviceName: 'alpaca', servicePort: 'http' } }] } }],
      },
    };
    const stored = convertToStored('extensions/v1beta1', 'Ingress', legacy);
    assert.equal(stored.apiVersion, 'networking.k8s.io/v1');
    assert.deepEqual(stored.spec.defaultBackend, { service: { name: 'default', port: { number: 80 } } });
    assert.deepEqual(stored.spec.rules[0].http.paths[0].backend, { service: { name: 'alpaca', port: { name: 'http' } } });
    assert.deepEqual(convertFromStored('extensions/v1beta1', 'Ingress', stored), legacy);
  });
  test('v1beta1 Ingress path without pathType defaults to ImplementationSpecific; lenient port form', () => {
    const s = convertToStored('networking.k8s.io/v1beta1', 'Ingress', {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'Ingress',
      spec: { rules: [{ http: { paths: [{ path: '/x', backend: { serviceName: 'svc', port: { number: 8080 } } }] } }] },
    });
    assert.deepEqual(s.spec.rules[0].http.paths[0], { path: '/x', pathType: 'ImplementationSpecific', backend: { service: { name: 'svc', port: { number: 8080 } } } });
  });
  test('stored version passes through unchanged', () => {
    const o = { apiVersion: 'apps/v1', kind: 'Deployment' };
    assert.equal(convertToStored('apps/v1', 'Deployment', o), o);
    assert.equal(convertFromStored('apps/v1', 'Deployment', o), o);
  });
});
