// Shared by the oda-model tests: the committed fixtures and the "fails with this message" check.
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ModelError } from '../../tools/model/errors.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'byom');
export const fx = (f: string): string => join(FIXTURES, f);

/** Expects a ModelError whose message matches `pattern` (the CLI's clear-message contract). */
export async function rejects(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.instance(e, ModelError, `expected a ModelError, got ${(e as Error).stack}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}
