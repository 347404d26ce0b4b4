// A chain state of another schema version is refused at open with what to do about it
// (ODA has no -reindex): the storage index of schema 2 cannot be added to a schema-1 database.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.js';
import { ChainDB } from '../../chain/chaindb.js';
import { DB_VERSION, layout } from '../../chain/layout.js';
import { regtest } from '../../chain/params.js';

test('an older or newer chainstate is refused with a clear remedy; the current one opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-chaindb-version-'));
  try {
    const reopen = async () => (await Chain.open({ params: regtest, dir, fsync: false })).close();
    await reopen();
    await reopen();
    for (const v of [DB_VERSION - 1, DB_VERSION + 1]) {
      const db = new ChainDB(join(dir, 'chainstate'), false);
      await db.level.open();
      const b = Buffer.alloc(8);
      b.writeUInt32LE(v, 0);
      b.writeUInt32LE(regtest.magic >>> 0, 4);
      await db.level.put(layout.V, b);
      await db.close();
      const err = await reopen().then(() => undefined, (e: Error) => e);
      assert.ok(err, `version ${v} refused`);
      assert.match(err!.message, `chainstate schema version ${v}, expected ${DB_VERSION}`);
      assert.match(err!.message, v < DB_VERSION ? 'an older version' : 'a newer version');
      assert.match(err!.message, 'Reindexing is not supported: start with a fresh -datadir, or delete chainstate/ and blocks/');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
