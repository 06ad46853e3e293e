import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, podRequests, resourceFromList } from './resources.js';
import { makePod } from './testing/builders.js';

describe('resources', () => {
  test('parses quantities', () => {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('128Mi'), 128 * 1024 * 1024);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('2Ki'), 2048);
    assert.equal(parseQuantity('1Ei'), 1024 ** 6);
    assert.ok(Number.isNaN(parseQuantity('abc')));
    assert.equal(resourceFromList({ cpu: '1500m', 'example.com/gpu': '2' }).milliCPU, 1500);
    assert.equal(resourceFromList({ cpu: '0.1' }).milliCPU, 100);
  });

  test('init containers, sidecars and overhead count as upstream', () => {
    const pod = makePod('p', {
      containers: [
        { name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'b', resources: { limits: { cpu: '500m' } } },
      ],
      spec: {
        initContainers: [
          { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
          { name: 'big-init', resources: { requests: { cpu: '3', memory: '512Mi' } } },
        ],
        overhead: { cpu: '100m' },
      },
    });
    const r = podRequests(pod);
    // containers 1.5 + sidecar 0.2 = 1.7; init 3 + sidecar 0.2 = 3.2 -> max 3.2, + overhead 0.1
    assert.equal(r.milliCPU, 3300);
    assert.equal(r.memory, 1024 ** 3);
  });

  test('non-zero requests default cpu/memory for scoring', () => {
    const r = podRequests(makePod('p'), true);
    assert.equal(r.milliCPU, 100);
    assert.equal(r.memory, 200 * 1024 * 1024);
    assert.equal(podRequests(makePod('p')).milliCPU, 0);
  });
});
