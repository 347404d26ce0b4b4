// odad's options (Core names, single or double dash) and the resolved node configuration:
// data dir, network dir, config file with [main]/[regtest] sections, ports, RPC auth, P2P,
// mining and logging. ODA is regtest-first: without -chain the node runs its own regtest.
import { isAbsolute, join } from 'node:path';
import { networks, withTestActivationHeights, type NetworkName, type NetworkParams } from '../chain/params.js';
import { parseFixedPoint } from '../util/amount.js';
import { ArgsManager, ConfigError, type OptionSpec } from '../util/args.js';
import { CONFIG_FILENAME, DEFAULT_DATADIR_NAME, loadArgs, networkDirFor, parsePort, splitHostPort } from '../util/datadir.js';
import type { NodeOptions } from './node.js';
import { parseStoreModels, type StoreModelsMode } from '../oda/storage-policy.js';

export { ConfigError } from '../util/args.js';
export { CONFIG_FILENAME, DEFAULT_DATADIR_NAME, defaultDatadir, loadArgs, networkDirFor, splitHostPort } from '../util/datadir.js';

/** 0.0002 BTC/kvB: ODA sets a fallback fee so regtest wallets work out of the box (Core #20087). */
export const DEFAULT_FALLBACK_FEE = 20_000n;
export const DEFAULT_MAX_MEMPOOL_MB = 300;
export const DEFAULT_MAX_CONNECTIONS = 125;
export const DEFAULT_MINE_INTERVAL = 10;
export const DEFAULT_RPC_WORKQUEUE = 64;
/** The explorer listens next to RPC and P2P: regtest 28445, main 8745. */
export const EXPLORER_PORT_OFFSET = 2;

/** Every odad option; add a row here to make a new option legal (unknown ones are errors). */
export const NODE_OPTIONS: OptionSpec[] = [
  { name: 'help', type: 'bool', help: 'Print this help message and exit', commandLineOnly: true },
  { name: 'h', type: 'bool', help: '', commandLineOnly: true, hidden: true },
  { name: '?', type: 'bool', help: '', commandLineOnly: true, hidden: true },
  { name: 'version', type: 'bool', help: 'Print version and exit', commandLineOnly: true },
  { name: 'regtest', type: 'bool', help: 'Use ODA\'s regression test chain (the default). Equivalent to -chain=regtest.' },
  { name: 'chain', type: 'string', arg: '<chain>', help: 'Use the chain <chain> (default: regtest). Allowed values: main, regtest' },
  { name: 'datadir', type: 'string', arg: '<dir>', help: `Specify data directory (default: ~/${DEFAULT_DATADIR_NAME}; network files under <datadir>/regtest/)`, commandLineOnly: true },
  { name: 'conf', type: 'string', arg: '<file>', help: `Specify path to read-only configuration file. Relative paths will be prefixed by datadir location (default: ${CONFIG_FILENAME})`, commandLineOnly: true },
  { name: 'printtoconsole', type: 'bool', help: 'Send trace/debug info to console (default: 1)' },
  { name: 'debug', type: 'list', arg: '<category>', help: 'Output debug and trace logging (default: -nodebug). If <category> is not supplied or is 1 or all, output all debug logging. <category> can be: rpc, net, mempool, validation, miner, wallet, store' },
  { name: 'port', type: 'int', arg: '<port>', help: `Listen for P2P connections on <port> (default: ${networks.regtest.port}, main: ${networks.main.port})`, networkOnly: true },
  { name: 'bind', type: 'string', arg: '<addr>[:<port>]', help: 'Bind the P2P listener to the given address (default: 0.0.0.0)', networkOnly: true },
  { name: 'listen', type: 'bool', help: 'Accept connections from outside (default: 1 if no -connect)' },
  { name: 'connect', type: 'list', arg: '<ip:port>', help: 'Connect only to the specified node(s); -connect=0 disables automatic connections', networkOnly: true },
  { name: 'addnode', type: 'list', arg: '<ip:port>', help: 'Add a node to connect to and attempt to keep the connection open', networkOnly: true },
  { name: 'maxconnections', type: 'int', arg: '<n>', help: `Maintain at most <n> connections to peers (default: ${DEFAULT_MAX_CONNECTIONS})` },
  { name: 'server', type: 'bool', help: 'Accept JSON-RPC commands (default: 1)' },
  { name: 'rpcport', type: 'int', arg: '<port>', help: `Listen for JSON-RPC connections on <port> (default: ${networks.regtest.rpcPort}, main: ${networks.main.rpcPort})`, networkOnly: true },
  { name: 'rpcbind', type: 'string', arg: '<addr>[:port]', help: 'Bind the JSON-RPC server to the given address (default: 127.0.0.1)', networkOnly: true },
  { name: 'rpcuser', type: 'string', arg: '<user>', help: 'Username for JSON-RPC connections (with -rpcpassword; without it a cookie is used)' },
  { name: 'rpcpassword', type: 'string', arg: '<pw>', help: 'Password for JSON-RPC connections' },
  { name: 'rpccookiefile', type: 'string', arg: '<loc>', help: 'Location of the auth cookie. Relative paths will be prefixed by a net-specific datadir location. (default: .cookie)' },
  { name: 'rpcworkqueue', type: 'int', arg: '<n>', help: `Set the depth of the work queue to service RPC calls (default: ${DEFAULT_RPC_WORKQUEUE})` },
  { name: 'explorer', type: 'bool', help: `Serve the read-only model explorer (web pages and a JSON API) over HTTP (default: 0)` },
  { name: 'explorerport', type: 'int', arg: '<port>', help: `Listen for explorer connections on <port> (default: ${networks.regtest.rpcPort + EXPLORER_PORT_OFFSET}, main: ${networks.main.rpcPort + EXPLORER_PORT_OFFSET})`, networkOnly: true },
  { name: 'explorerbind', type: 'string', arg: '<addr>[:port]', help: 'Bind the explorer to the given address (default: 127.0.0.1)', networkOnly: true },
  { name: 'disablewallet', type: 'bool', help: 'Do not load the wallet and disable wallet RPC calls' },
  { name: 'fallbackfee', type: 'amount', arg: '<amt>', help: 'Fee rate (in BTC/kvB) used when fee estimation has insufficient data (default: 0.0002; 0 disables it)' },
  { name: 'maxvalidationcost', type: 'string', arg: '<cu>', help: 'Capability class (ODA-BIP-0007b): do not re-execute inference transactions costing more than <cu> compute units; such transactions in blocks are accepted on the miners\' proof of work and marked unverified by getblock, and are not relayed or mined (default: re-execute everything)' },
  { name: 'maxmempool', type: 'int', arg: '<n>', help: `Keep the transaction memory pool below <n> megabytes (default: ${DEFAULT_MAX_MEMPOOL_MB})` },
  { name: 'txindex', type: 'bool', help: 'Maintain a full transaction index (always on in ODA; accepted for compatibility)' },
  { name: 'mine', type: 'bool', help: 'Mine blocks continuously (regtest CPU miner; default: 0)' },
  { name: 'mineaddress', type: 'string', arg: '<address>', help: 'Pay mined blocks to <address> (default: a new address of the default wallet)' },
  { name: 'testactivationheight', type: 'list', arg: '<name@height>', help: 'Set the activation height of \'name\' (segwit, bip34, dersig, cltv, csv, costawaredifficulty, storageproofs, registrycommitment, privatemodels). (regtest-only)' },
  { name: 'mineinterval', type: 'int', arg: '<seconds>', help: `Seconds between mined blocks with -mine (default: ${DEFAULT_MINE_INTERVAL})` },
  { name: 'storemodels', type: 'string', arg: '<policy>', help: 'Which registered model data to keep (ODA-BIP-0006): all (and fetch what is missing from peers in the background), pinned (what this node holds), none (removed once its block is connected) (default: all with -mine, else pinned)' },
];

export interface NodeConfig {
  /** The parsed settings, for options a module reads itself. */
  readonly args: ArgsManager;
  get(name: string): string | undefined;
  getBool(name: string, def?: boolean): boolean;
  getInt(name: string, def?: number): number;
  getList(name: string): string[];
  isSet(name: string): boolean;

  help: boolean;
  version: boolean;
  chain: NetworkName;
  params: NetworkParams;
  datadir: string;
  /** <datadir>/regtest (main: <datadir> itself, as Core). */
  networkDir: string;
  /** The config file read (or looked for). */
  confFile: string;
  rpc: { enabled: boolean; host: string; port: number; user?: string; password?: string; cookieFile: string; workQueue: number };
  p2p: { listen: boolean; port: number; bind: string; connect: string[]; addnode: string[]; maxConnections: number };
  /** -explorer: the read-only web explorer (explorer/server.ts). */
  explorer: { enabled: boolean; host: string; port: number };
  mine: boolean;
  mineAddress?: string;
  /** Seconds between blocks with -mine. */
  mineInterval: number;
  /** -storemodels: the ODA plugin's store policy for registered model data. */
  storeModels: StoreModelsMode;
  printToConsole: boolean;
  debug: string[];
  wallet: boolean;
  /** Satoshis per 1000 vbytes. */
  fallbackFee: bigint;
  /** Bytes (-maxmempool is in MB of 1,000,000 bytes, as Core). */
  maxMempool: number;
  /** -maxvalidationcost=<cu>: capability class (ODA-BIP-0007b); undefined = full. */
  maxValidationCost?: bigint;
  /** Always true: ODA keeps a transaction index. */
  txindex: true;
  warnings: string[];
}

/** -maxvalidationcost: a non-negative integer of compute units (ODA-BIP-0002), or unset. */
function parseMaxValidationCost(v: string | undefined): bigint | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,20}$/.test(v)) throw new ConfigError(`Invalid value for -maxvalidationcost: '${v}' (a non-negative integer of compute units)`);
  return BigInt(v);
}

/** Parses odad's argv (without node and script) and config file. Throws ConfigError. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const args = new ArgsManager(NODE_OPTIONS);
  const { datadir, confFile, chain } = loadArgs(args, argv, env);
  let params = networks[chain];
  try {
    params = withTestActivationHeights(params, args.getList('testactivationheight'));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const networkDir = networkDirFor(datadir, chain);

  const getInt = (name: string, def: number, min = 0): number => {
    const n = args.getInt(name, def);
    if (n < min) throw new ConfigError(`Invalid value for -${name}: '${args.get(name)}' (minimum ${min})`);
    return n;
  };

  const rpcbind = args.get('rpcbind');
  const bindRpc = rpcbind ? splitHostPort(rpcbind, 'rpcbind') : { host: '127.0.0.1' };
  const rpcPort = args.isSet('rpcport') ? parsePort(args.get('rpcport') ?? '', 'rpcport') : bindRpc.port ?? params.rpcPort;
  const password = args.get('rpcpassword');
  const user = args.get('rpcuser');
  if (password !== undefined && password !== '' && (user === undefined || user === '')) {
    throw new ConfigError('-rpcpassword is set but -rpcuser is empty; set both, or neither to use cookie authentication');
  }
  const cookie = args.get('rpccookiefile') || '.cookie';

  const bind = args.get('bind');
  const bindP2p = bind ? splitHostPort(bind, 'bind') : { host: '0.0.0.0' };
  const port = args.isSet('port') ? parsePort(args.get('port') ?? '', 'port') : bindP2p.port ?? params.port;
  const connect = args.getList('connect').filter((c) => c !== '0' && c !== '');
  const connectSet = args.isSet('connect') && !args.isNegated('connect');

  const fee = args.get('fallbackfee');
  let fallbackFee = DEFAULT_FALLBACK_FEE;
  if (fee !== undefined) {
    const sats = parseFixedPoint(fee, 8);
    if (sats === undefined || sats < 0n) throw new ConfigError(`Invalid amount for -fallbackfee=<amount>: '${fee}'`);
    fallbackFee = sats;
  } else if (args.isNegated('fallbackfee')) {
    fallbackFee = 0n;
  }

  const explorerbind = args.get('explorerbind');
  const bindExplorer = explorerbind ? splitHostPort(explorerbind, 'explorerbind') : { host: '127.0.0.1' };
  const explorerPort = args.isSet('explorerport') ? parsePort(args.get('explorerport') ?? '', 'explorerport') : bindExplorer.port ?? params.rpcPort + EXPLORER_PORT_OFFSET;

  const mineAddress = args.get('mineaddress') || undefined;
  const mine = args.getBool('mine', false);
  let storeModels: StoreModelsMode;
  try {
    storeModels = parseStoreModels(args.get('storemodels'), mine);
  } catch {
    throw new ConfigError(`Invalid value for -storemodels: '${args.get('storemodels')}' (expected all, pinned or none)`);
  }
  return {
    args,
    get: (n) => args.get(n),
    getBool: (n, d = false) => args.getBool(n, d),
    getInt: (n, d = 0) => args.getInt(n, d),
    getList: (n) => args.getList(n),
    isSet: (n) => args.isSet(n),
    help: args.getBool('help', false) || args.getBool('h', false) || args.getBool('?', false),
    version: args.getBool('version', false),
    chain,
    params,
    datadir,
    networkDir,
    confFile,
    rpc: {
      enabled: args.getBool('server', true),
      host: bindRpc.host,
      port: rpcPort,
      user: password ? user : undefined,
      password: password || undefined,
      cookieFile: isAbsolute(cookie) ? cookie : join(networkDir, cookie),
      workQueue: getInt('rpcworkqueue', DEFAULT_RPC_WORKQUEUE, 1),
    },
    p2p: {
      // Core: -connect implies -listen=0 unless -listen is given.
      listen: args.getBool('listen', !connectSet),
      port,
      bind: bindP2p.host,
      connect,
      addnode: args.getList('addnode'),
      maxConnections: getInt('maxconnections', DEFAULT_MAX_CONNECTIONS),
    },
    explorer: { enabled: args.getBool('explorer', false), host: bindExplorer.host, port: explorerPort },
    mine,
    mineAddress,
    mineInterval: getInt('mineinterval', DEFAULT_MINE_INTERVAL, 1),
    storeModels,
    printToConsole: args.getBool('printtoconsole', true),
    debug: args.isNegated('debug') ? [] : args.getList('debug'),
    wallet: !args.getBool('disablewallet', false),
    fallbackFee,
    maxMempool: getInt('maxmempool', DEFAULT_MAX_MEMPOOL_MB, 5) * 1_000_000,
    maxValidationCost: parseMaxValidationCost(args.get('maxvalidationcost')),
    txindex: true,
    warnings: args.warnings,
  };
}

/** The FullNode options for a parsed configuration. */
export function toNodeOptions(cfg: NodeConfig): NodeOptions {
  return {
    params: cfg.params,
    networkDir: cfg.networkDir,
    rpc: cfg.rpc.enabled
      ? { host: cfg.rpc.host, port: cfg.rpc.port, user: cfg.rpc.user, password: cfg.rpc.password, cookieFile: cfg.rpc.cookieFile, workQueue: cfg.rpc.workQueue }
      : false,
    p2p: { ...cfg.p2p },
    explorer: cfg.explorer.enabled ? { host: cfg.explorer.host, port: cfg.explorer.port } : false,
    mine: cfg.mine ? { address: cfg.mineAddress, interval: cfg.mineInterval } : undefined,
    wallet: cfg.wallet,
    fallbackFee: cfg.fallbackFee,
    maxMempool: cfg.maxMempool,
    maxValidationCost: cfg.maxValidationCost,
    printToConsole: cfg.printToConsole,
    debug: cfg.debug,
    config: cfg,
  };
}

/** odad -help. */
export function helpMessage(version: string): string {
  const args = new ArgsManager(NODE_OPTIONS);
  return [
    `ODA daemon version v${version}`,
    '',
    'ODA is regtest-first: without -chain it runs its own regression test chain',
    `(P2P port ${networks.regtest.port}, RPC port ${networks.regtest.rpcPort}, data in ~/${DEFAULT_DATADIR_NAME}/regtest/).`,
    'Options may be given with one or two dashes, as -name=value, and negated as -noname.',
    `The configuration file (${CONFIG_FILENAME} in the data dir, or -conf) takes name=value lines;`,
    'network options (port, rpcport, bind, rpcbind, connect, addnode) belong in a [regtest] section.',
    '',
    'Usage:  odad [options]',
    '',
    'Options:',
    '',
    args.helpText(),
  ].join('\n');
}
