// Runs under the current Node release only (npm run test:current-node; kept out of test/*.test.ts): the CLI's own start-up and
// every step that has no registry or install client, so a Node upgrade cannot break binship
// unnoticed. (launcher.test.ts runs in the same process list, covering process.execve.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { binship, distCopy, VERSION } from '../support/project.js';

test('this suite really runs on a current Node', () => {
  assert.ok(Number(process.versions.node.split('.')[0]) >= 22, `running on Node ${process.versions.node}`);
});

test('version, doctor, collect, verify and pack work on the current Node', async () => {
  assert.equal((await binship(['version'])).stdout.trim(), VERSION);
  const doctor = await binship(['doctor', '--json']);
  assert.equal(doctor.exitCode, 0, doctor.stderr);
  assert.equal((JSON.parse(doctor.stdout) as unknown[]).length, 8);
  const dist = await distCopy();
  const verified = await binship(['verify', dist]);
  assert.equal(verified.exitCode, 0, verified.stderr);
  assert.match(verified.stdout, /verify: ok \(4 files\)/);
  const packed = await binship(['pack', dist, '--json']);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const index = JSON.parse(packed.stdout) as { packages: { name: string }[] };
  assert.equal(index.packages.length, 6);
  assert.ok(path.isAbsolute(dist));
});
