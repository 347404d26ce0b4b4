// A stand-in odad for the framework's own self-test: same command line (parseConfig), the
// real RpcServer with cookie auth, a block count persisted in the data dir, a short warmup
// (-28), `stop` and SIGTERM shutdown, debug.log. It checks the framework, not the node.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../node/config.js';
import { RpcServer } from '../../rpc/server.js';
import type { RpcMethod } from '../../rpc/types.js';

const cfg = parseConfig(process.argv.slice(2));
mkdirSync(cfg.networkDir, { recursive: true });
const log = (m: string) => appendFileSync(join(cfg.networkDir, 'debug.log'), `${new Date().toISOString()} ${m}\n`);
if (cfg.debug.includes('fail-at-startup')) {
  process.stderr.write('Error: fake startup failure\n');
  process.exit(3);
}
const stateFile = join(cfg.networkDir, 'height');
let height = existsSync(stateFile) ? Number(readFileSync(stateFile, 'utf8')) : 0;
const hash = () => height.toString(16).padStart(64, '0');
let server: RpcServer<null>;
let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('Shutdown: In progress...');
  await server.stop();
  log('Shutdown: done');
  process.exit(code);
}
const methods: RpcMethod<null>[] = [
  { name: 'getblockcount', category: 'Blockchain', params: [], help: 'Height.', handler: () => height },
  { name: 'getbestblockhash', category: 'Blockchain', params: [], help: 'Tip.', handler: () => hash() },
  { name: 'getrawmempool', category: 'Blockchain', params: [], help: 'Mempool.', handler: () => [] },
  { name: 'mine', category: 'Hidden', params: [{ name: 'n', type: 'number' }], help: 'Adds n to the height.',
    handler: ([n]) => { height += n as number; writeFileSync(stateFile, String(height)); log(`UpdateTip: height=${height}`); return hash(); } },
  { name: 'stop', category: 'Control', params: [], help: 'Stops.', handler: () => { setImmediate(() => shutdown()); return 'ODA server stopping'; } },
];
server = new RpcServer<null>({ methods, context: null, host: cfg.rpc.host, port: cfg.rpc.port, auth: { cookieFile: cfg.rpc.cookieFile } });
server.setWarmup('Loading block index…');
await server.start();
setTimeout(() => { server.setWarmup(null); log('init message: Done loading'); }, 300);
process.on('SIGTERM', () => { void shutdown(); });
