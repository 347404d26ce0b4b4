// Temp chain dirs under os.tmpdir(), removed when the test body succeeds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, type ChainOptions } from '../../../chain/chain.js';
import { regtest } from '../../../chain/params.js';

export function tempDir(tag = 'chain'): string {
  return mkdtempSync(join(tmpdir(), `oda-${tag}-`));
}

export async function withChain(fn: (chain: Chain, dir: string) => Promise<void>, opts: Partial<ChainOptions> = {}): Promise<void> {
  const dir = tempDir();
  const chain = await Chain.open({ params: regtest, dir, fsync: false, ...opts });
  try {
    await fn(chain, dir);
  } finally {
    await chain.close().catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
}
