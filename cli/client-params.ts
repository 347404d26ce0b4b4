// Which CLI arguments oda-cli parses as JSON, as Core's vRPCConvertParams (src/rpc/client.cpp):
// every argument of a listed (method, position|name) is JSON, every other argument of a known
// method is a string. So `oda-cli getblock 1234…` keeps a hash that happens to be digits a
// string. Methods in neither list fall back to "JSON if it parses, else string"; a test
// (test/rpc/cli.test.ts) fails when a server method is in neither, so new ones get a row.
const TABLE: [method: string, index: number, name: string][] = [
  ['setmocktime', 0, 'timestamp'],
  ['generatetoaddress', 0, 'nblocks'], ['generatetoaddress', 2, 'maxtries'],
  ['generatetodescriptor', 0, 'num_blocks'], ['generatetodescriptor', 2, 'maxtries'],
  ['generateblock', 1, 'transactions'], ['generateblock', 2, 'submit'],
  ['getnetworkhashps', 0, 'nblocks'], ['getnetworkhashps', 1, 'height'],
  ['sendtoaddress', 1, 'amount'], ['sendtoaddress', 4, 'subtractfeefromamount'], ['sendtoaddress', 5, 'replaceable'],
  ['sendtoaddress', 6, 'conf_target'], ['sendtoaddress', 8, 'avoid_reuse'], ['sendtoaddress', 9, 'fee_rate'], ['sendtoaddress', 10, 'verbose'],
  ['settxfee', 0, 'amount'],
  ['getreceivedbyaddress', 1, 'minconf'], ['getreceivedbyaddress', 2, 'include_immature_coinbase'],
  ['getreceivedbylabel', 1, 'minconf'], ['getreceivedbylabel', 2, 'include_immature_coinbase'],
  ['listreceivedbyaddress', 0, 'minconf'], ['listreceivedbyaddress', 1, 'include_empty'], ['listreceivedbyaddress', 2, 'include_watchonly'],
  ['getbalance', 1, 'minconf'], ['getbalance', 2, 'include_watchonly'], ['getbalance', 3, 'avoid_reuse'],
  ['getblockhash', 0, 'height'],
  ['waitforblockheight', 0, 'height'], ['waitforblockheight', 1, 'timeout'], ['waitforblock', 1, 'timeout'], ['waitfornewblock', 0, 'timeout'],
  ['listtransactions', 1, 'count'], ['listtransactions', 2, 'skip'], ['listtransactions', 3, 'include_watchonly'],
  ['walletpassphrase', 1, 'timeout'],
  ['getblocktemplate', 0, 'template_request'],
  ['listsinceblock', 1, 'target_confirmations'], ['listsinceblock', 2, 'include_watchonly'], ['listsinceblock', 3, 'include_removed'], ['listsinceblock', 4, 'include_change'],
  ['sendmany', 1, 'amounts'], ['sendmany', 2, 'minconf'], ['sendmany', 4, 'subtractfeefrom'], ['sendmany', 5, 'replaceable'],
  ['sendmany', 6, 'conf_target'], ['sendmany', 8, 'fee_rate'], ['sendmany', 9, 'verbose'],
  ['deriveaddresses', 1, 'range'],
  ['scantxoutset', 1, 'scanobjects'],
  ['createmultisig', 0, 'nrequired'], ['createmultisig', 1, 'keys'],
  ['listunspent', 0, 'minconf'], ['listunspent', 1, 'maxconf'], ['listunspent', 2, 'addresses'], ['listunspent', 3, 'include_unsafe'], ['listunspent', 4, 'query_options'],
  ['getblock', 1, 'verbosity'], ['getblock', 1, 'verbose'],
  ['getblockheader', 1, 'verbose'],
  ['getchaintxstats', 0, 'nblocks'],
  ['gettransaction', 1, 'include_watchonly'], ['gettransaction', 2, 'verbose'],
  ['getrawtransaction', 1, 'verbosity'], ['getrawtransaction', 1, 'verbose'],
  ['createrawtransaction', 0, 'inputs'], ['createrawtransaction', 1, 'outputs'], ['createrawtransaction', 2, 'locktime'], ['createrawtransaction', 3, 'replaceable'],
  ['decoderawtransaction', 1, 'iswitness'],
  ['signrawtransactionwithkey', 1, 'privkeys'], ['signrawtransactionwithkey', 2, 'prevtxs'],
  ['signrawtransactionwithwallet', 1, 'prevtxs'],
  ['sendrawtransaction', 1, 'maxfeerate'], ['sendrawtransaction', 2, 'maxburnamount'],
  ['testmempoolaccept', 0, 'rawtxs'], ['testmempoolaccept', 1, 'maxfeerate'],
  ['submitpackage', 0, 'package'],
  ['combinerawtransaction', 0, 'txs'],
  ['fundrawtransaction', 1, 'options'], ['fundrawtransaction', 2, 'iswitness'],
  ['gettxout', 1, 'n'], ['gettxout', 2, 'include_mempool'],
  ['gettxoutproof', 0, 'txids'],
  ['gettxoutsetinfo', 1, 'hash_or_height'], ['gettxoutsetinfo', 2, 'use_index'],
  ['lockunspent', 0, 'unlock'], ['lockunspent', 1, 'transactions'], ['lockunspent', 2, 'persistent'],
  ['send', 0, 'outputs'], ['send', 1, 'conf_target'], ['send', 3, 'fee_rate'], ['send', 4, 'options'],
  ['getrawmempool', 0, 'verbose'], ['getrawmempool', 1, 'mempool_sequence'],
  ['getmempoolancestors', 1, 'verbose'], ['getmempooldescendants', 1, 'verbose'],
  ['logging', 0, 'include'], ['logging', 1, 'exclude'],
  ['disconnectnode', 1, 'nodeid'],
  ['verifychain', 0, 'checklevel'], ['verifychain', 1, 'nblocks'],
  ['getblockstats', 0, 'hash_or_height'], ['getblockstats', 1, 'stats'],
  ['pruneblockchain', 0, 'height'],
  ['keypoolrefill', 0, 'newsize'],
  ['prioritisetransaction', 1, 'dummy'], ['prioritisetransaction', 2, 'fee_delta'],
  ['setban', 2, 'bantime'], ['setban', 3, 'absolute'],
  ['setnetworkactive', 0, 'state'],
  ['gettxspendingprevout', 0, 'outputs'],
  ['bumpfee', 1, 'options'],
  ['createwallet', 1, 'disable_private_keys'], ['createwallet', 2, 'blank'], ['createwallet', 4, 'avoid_reuse'],
  ['createwallet', 5, 'descriptors'], ['createwallet', 6, 'load_on_startup'], ['createwallet', 7, 'external_signer'],
  ['loadwallet', 1, 'load_on_startup'], ['unloadwallet', 1, 'load_on_startup'],
  ['getnodeaddresses', 0, 'count'],
  ['addpeeraddress', 1, 'port'], ['addpeeraddress', 2, 'tried'],
  ['stop', 0, 'wait'],
  ['addnode', 2, 'v2transport'],
  ['estimatesmartfee', 0, 'conf_target'], ['estimaterawfee', 0, 'conf_target'], ['estimaterawfee', 1, 'threshold'],
  // ODA's Models category (rpc/methods/models.ts): hex ids and inputs stay strings.
  ['addmodel', 4, 'metadata'], ['addmodel', 5, 'royalty'], ['commitweights', 3, 'options'], ['infer', 2, 'submit'], ['estimatecost', 0, 'request'], ['updateweights', 2, 'options'],
  // The Store category (rpc/methods/store.ts): blob roots stay strings even when all digits.
  ['getblobinfo', 1, 'verbose'],
  ['rescanblockchain', 0, 'start_height'], ['rescanblockchain', 1, 'stop_height'],
  // ODA-BIP-0005, 0007 and 0007b: keys, roots and model ids stay strings.
  ['estimatecufee', 0, 'conf_target'], ['estimatecufee', 1, 'cu'],
  ['getmodelproof', 1, 'version'],
  ['addprivatemodel', 2, 'private'], ['addprivatemodel', 3, 'metadata'], ['addprivatemodel', 4, 'royalty'],
  ['approvemodelversion', 2, 'options'], ['rollbackmodel', 1, 'version'], ['rollbackmodel', 2, 'options'],
];

/** Arguments that are a string or a JSON value (importblob's pin: a tag, or true/false). */
const LOOSE: [method: string, index: number, name: string][] = [['importblob', 2, 'pin']];
const looseByIndex = new Set(LOOSE.map(([m, i]) => `${m}/${i}`));
const looseByName = new Set(LOOSE.map(([m, , n]) => `${m}/${n}`));
const byIndex = new Set(TABLE.map(([m, i]) => `${m}/${i}`));
const byName = new Set(TABLE.map(([m, , n]) => `${m}/${n}`));
const methods = new Set([...TABLE, ...LOOSE].map(([m]) => m));
/** Core methods whose every parameter is a string (no row above): their args stay strings. */
const STRING_ONLY = new Set([
  'getblockcount', 'getbestblockhash', 'getblockchaininfo', 'getdifficulty', 'getchaintips', 'getmempoolinfo', 'getmempoolentry',
  'getnewaddress', 'getrawchangeaddress', 'validateaddress', 'getaddressinfo', 'decodescript', 'help', 'invalidateblock',
  'reconsiderblock', 'submitblock', 'submitheader', 'preciousblock', 'getnetworkinfo', 'getpeerinfo', 'getconnectioncount',
  'getwalletinfo', 'getbalances', 'listwallets', 'uptime', 'savemempool', 'signmessagewithprivkey', 'verifymessage',
  'signmessage', 'dumpprivkey', 'getdescriptorinfo', 'decodepsbt', 'getzmqnotifications', 'listbanned', 'clearbanned',
  'ping', 'getnettotals', 'getmininginfo', 'getindexinfo', 'getrpcinfo', 'getmemoryinfo',
  'getmodel', 'listmodels', 'getmodelhistory', 'getinference', 'revealweights',
  'verifyblob', 'exportblob',
  'getblockfilter', 'getprioritisedtransactions', 'getaddednodeinfo', 'setlabel', 'listlockunspent', 'listwalletdir',
  'wrapkey', 'unwrapkey', 'getmodeldownloads', 'getevaluations', 'getstorageinfo', 'listblobs',
]);

/** Core's ParseNonRFCJSONValue: any JSON value, or "Error parsing JSON: <text>". */
export function parseNonRfcJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Error parsing JSON: ${text}`);
  }
}

function fallback(value: string): unknown {
  try { return JSON.parse(value); } catch { return value; }
}

/** Converts one positional CLI argument. */
export function convertPositional(method: string, index: number, value: string): unknown {
  if (byIndex.has(`${method}/${index}`)) return parseNonRfcJson(value);
  if (looseByIndex.has(`${method}/${index}`)) return fallback(value);
  if (methods.has(method) || STRING_ONLY.has(method)) return value;
  return fallback(value);
}

/** Converts one -named argument. */
export function convertNamed(method: string, name: string, value: string): unknown {
  if (byName.has(`${method}/${name}`)) return parseNonRfcJson(value);
  if (looseByName.has(`${method}/${name}`)) return fallback(value);
  if (methods.has(method) || STRING_ONLY.has(method)) return value;
  return fallback(value);
}

/** Core's RPCConvertValues. */
export function convertPositionalArgs(method: string, args: string[]): unknown[] {
  return args.map((a, i) => convertPositional(method, i, a));
}

/** Core's RPCConvertNamedValues: "k=v" pairs (later wins), bare values go to "args". */
export function convertNamedArgs(method: string, args: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const positional: unknown[] = [];
  for (const s of args) {
    const eq = s.indexOf('=');
    if (eq < 0) {
      positional.push(convertPositional(method, positional.length, s));
      continue;
    }
    params[s.slice(0, eq)] = convertNamed(method, s.slice(0, eq), s.slice(eq + 1));
  }
  if (positional.length && !('args' in params)) params.args = positional;
  return params;
}
