// docs/bring-your-own-model.md is executable: every ```sh block, in order, runs in one bash
// against a fresh regtest node (npx oda-model / npx oda-cli mapped to this checkout's bins),
// and the ```text outputs that are not run-specific appear in the run's output.
// 1 node, ~105 blocks, ~15 CLI processes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runFunctionalTest, skipTest } from './framework.js';
import { RpcError } from '../../rpc/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = join(ROOT, 'docs', 'bring-your-own-model.md');

function blocks(md: string, lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  for (let m = re.exec(md); m; m = re.exec(md)) out.push(m[1]);
  return out;
}

test('the bring-your-own-model tutorial runs as written', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    try {
      await a.listmodels();
    } catch (e) {
      if (e instanceof RpcError && e.message === 'ODA transactions are not enabled on this node') skipTest('the ODA layer is not wired into the node');
      throw e;
    }
    const md = readFileSync(DOC, 'utf8');
    const script = blocks(md, 'sh').join('\n');
    assert.ok(script.includes('npx oda-model convert') && script.includes('npx oda-cli addmodel'));
    // npx finds the project's own commands only inside the checkout: the tutorial never leaves it.
    assert.not.match(script, /(^|[;&|]\s*)cd\s/m, 'the tutorial must not cd out of the repository');
    const prelude = [
      'set -euo pipefail',
      `npx() { local c=$1; shift; case $c in`,
      `  oda-model) node ${JSON.stringify(join(ROOT, 'bin', 'oda-model.js'))} "$@" ;;`,
      `  oda-cli) node ${JSON.stringify(join(ROOT, 'bin', 'oda-cli.js'))} -regtest -datadir=${JSON.stringify(a.datadir)} -rpcport=${a.rpcPort} "$@" ;;`,
      `  *) echo "unexpected npx $c" >&2; return 1 ;;`,
      'esac; }',
    ].join('\n');
    const r = spawnSync('bash', ['-c', `${prelude}\n${script}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: env.tmpdir }, timeout: 300_000 });
    assert.is(r.status, 0, `tutorial failed:\n${r.stdout}\n${r.stderr}`);
    const output = r.stdout.replace(/\/[^\s:]*\/tmp\.\w+/g, '/tmp/tmp.XXXXXXXXXX');
    // Outputs of the doc, except lines with run-specific values (ids, fees, "…").
    for (const block of blocks(md, 'text')) {
      for (const line of block.split('\n')) {
        if (line.trim() === '' || /…|xxxx|^[{}]/.test(line) || /"\w+": /.test(line)) continue;
        assert.ok(output.includes(line), `tutorial output lacks: ${line}\n--- output:\n${output}`);
      }
    }
    assert.match(output, /version 1, score 109/);
  });
});

test.run();
