import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { podQOSClass } from './qos.js';

const pod = (...resources: any[]) => ({ spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) } });

describe('podQOSClass', () => {
  test('BestEffort without requests or limits', () => assert.equal(podQOSClass(pod({})), 'BestEffort'));
  test('Guaranteed when requests equal limits for cpu and memory', () => {
    const r = { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '0.5', memory: '128Mi' } };
    assert.equal(podQOSClass(pod(r, r)), 'Guaranteed');
  });
  test('Burstable with requests only or lower requests', () => {
    assert.equal(podQOSClass(pod({ requests: { cpu: '100m' } })), 'Burstable');
    assert.equal(podQOSClass(pod({ requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '200m', memory: '1Gi' } })), 'Burstable');
    assert.equal(podQOSClass(pod({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, {})), 'Burstable');
  });
});
