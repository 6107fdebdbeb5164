// Which way a dist-tag may move: never back to a lower version, except from a prerelease to a release.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tagMovesBack } from '../src/npm/dist-tag.js';

test('a tag never moves back to a lower version: a backport under latest is caught', () => {
  assert.equal(tagMovesBack({ latest: '2.0.0' }, 'latest', '1.4.1'), '2.0.0');
  assert.equal(tagMovesBack({ beta: '1.0.0-beta.10' }, 'beta', '1.0.0-beta.2'), '1.0.0-beta.10');
  assert.equal(tagMovesBack({ latest: '1.4.0' }, 'latest', '1.4.1'), null);
  assert.equal(tagMovesBack({}, 'latest', '1.4.1'), null);
  assert.equal(tagMovesBack({ latest: '1.4.1' }, 'latest', '1.4.1'), null);
});

test('a prerelease does not hold latest against a release (the registry tags a first dev publish latest)', () => {
  assert.equal(tagMovesBack({ latest: '0.3.1-dev.1' }, 'latest', '0.3.0'), null);
  // ...but a prerelease tag still does not move back to an older prerelease.
  assert.equal(tagMovesBack({ dev: '0.3.1-dev.2' }, 'dev', '0.3.1-dev.1'), '0.3.1-dev.2');
});
