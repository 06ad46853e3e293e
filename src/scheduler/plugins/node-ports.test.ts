import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { NodePorts } from './node-ports.js';

const withPort = (name: string, port: number, hostIP?: string, protocol = 'TCP') =>
  makePod(name, { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] }] });

test('NodePorts detects hostPort clashes by protocol and IP', () => {
  const pl = new NodePorts();
  const ni = nodeInfo(makeNode('n'), [withPort('a', 8080), withPort('b', 9090, '10.0.0.1')]);
  const s = new CycleState();
  assert.deepEqual(pl.filter(s, info(withPort('x', 8080)), ni)?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(pl.filter(s, info(withPort('x', 8080, undefined, 'UDP')), ni), undefined);
  assert.equal(pl.filter(s, info(withPort('x', 9090, '10.0.0.2')), ni), undefined);
  assert.ok(pl.filter(s, info(withPort('x', 9090)), ni)); // 0.0.0.0 clashes with any IP
  assert.equal(pl.filter(s, info(withPort('x', 7070)), ni), undefined);
  assert.equal(pl.preFilter(s, info(makePod('noports')))?.code, Code.Skip);
  ni.removePod(ni.pods[0].key);
  assert.equal(pl.filter(s, info(withPort('x', 8080)), ni), undefined);
});
