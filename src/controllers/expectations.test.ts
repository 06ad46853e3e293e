import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/clock.js';
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from './expectations.js';

test('expectations block syncs until creations and deletions are observed, or expire', () => {
  const clock = new FakeClock();
  const e = new ControllerExpectations(clock);
  assert.equal(e.satisfied('ns/rs'), true);
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);

  e.expectDeletions('ns/rs', ['ns/p1', 'ns/p2']);
  e.deletionObserved('ns/rs', 'ns/p1');
  e.deletionObserved('ns/rs', 'ns/p1');
  assert.deepEqual(e.pending('ns/rs'), { add: 0, del: 1 });
  assert.equal(e.satisfied('ns/rs'), false);
  clock.advance(EXPECTATIONS_TTL_MS + 1);
  assert.equal(e.satisfied('ns/rs'), true, 'expired expectations no longer block');
});
