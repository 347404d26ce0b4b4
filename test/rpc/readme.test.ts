// The README's RPC reference must list every method the node serves, as generated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { replaceReference } from '../../rpc/reference.js';

test('README RPC reference is up to date (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme === replaceReference(readme), 'README.md RPC reference is stale: run `npm run docs`');
});

test.run();
