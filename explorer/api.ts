// The explorer's read-only JSON API. Every answer is assembled from the RPC method handlers
// (the same tables and NodeContext the JSON-RPC server uses), so the explorer keeps no state of
// its own and shows exactly what `oda-cli` would; only read-only methods are reachable.
import type { NodeContext } from '../rpc/context.js';
import type { RpcMethod } from '../rpc/types.js';
import { RPC, RpcError } from '../rpc/errors.js';
import { amount, amountToSats } from '../rpc/amount.js';
import { allMethods } from '../rpc/methods/index.js';
import { compactToTarget } from '../chain/header.js';
import { COST_AWARE } from '../chain/cost-aware.js';

/** The only RPC methods the explorer may call: queries, never anything that writes or spends. */
export const READ_ONLY_METHODS = [
  'getblockchaininfo', 'getmempoolinfo', 'getrawmempool', 'getblockhash', 'getblock', 'getrawtransaction',
  'listmodels', 'getmodel', 'getmodelhistory', 'getinference', 'estimatecost', 'validateaddress', 'getmodeldownloads',
  'getevaluations',
] as const;
type ReadOnly = typeof READ_ONLY_METHODS[number];

/** A clear "not here" answer (HTTP 404); `message` is shown on the page as is. */
export class NotFound extends Error {}

export const MAX_QUERY = 200;
const RECENT_BLOCKS = 10;
const MEMPOOL_SHOWN = 25;
const TENSOR_VALUES_SHOWN = 64;
const CU_CACHE = 10_000;

const HEX64 = /^[0-9a-f]{64}$/;
const HEIGHT = /^[0-9]{1,9}$/;

type Json = Record<string, any>;

export class ExplorerApi {
  private readonly methods = new Map<string, RpcMethod<NodeContext>>();
  /** CU of a confirmed ODA transaction never changes: computed once per txid. */
  private readonly cuCache = new Map<string, number | null>();

  constructor(private readonly ctx: NodeContext, methods: RpcMethod<NodeContext>[] = allMethods()) {
    for (const m of methods) if ((READ_ONLY_METHODS as readonly string[]).includes(m.name)) this.methods.set(m.name, m);
  }

  /** One RPC handler call, positional arguments as the JSON-RPC server passes them. */
  async call(name: ReadOnly, ...args: unknown[]): Promise<any> {
    const m = this.methods.get(name);
    if (!m) throw new NotFound(`${name} is not available on this node`);
    return m.handler(args, this.ctx);
  }

  /** Routes "/api/<what>/<id>"; throws NotFound for unknown paths and ids. */
  async route(parts: string[], query: URLSearchParams): Promise<unknown> {
    const [what, id, ...rest] = parts;
    if (rest.length) throw new NotFound('No such API path');
    switch (what) {
      case 'home': return this.home();
      case 'block': return this.block(id ?? '');
      case 'tx': return this.tx(id ?? '');
      case 'model': return this.model(id ?? '');
      case 'models': return this.call('listmodels');
      case 'address': return this.address(id ?? '');
      case 'search': return this.search(query.get('q') ?? '');
      case 'downloads': return this.downloads();
      case 'evaluations': return this.evaluations();
      default: throw new NotFound('No such API path');
    }
  }

  async home(): Promise<Json> {
    const info = await this.call('getblockchaininfo');
    const mempool = await this.call('getmempoolinfo');
    const txids: string[] = await this.call('getrawmempool');
    const pending = [];
    for (const txid of txids.slice(0, MEMPOOL_SHOWN)) {
      const tx = await this.call('getrawtransaction', txid, 1).catch(() => undefined);
      if (tx) pending.push({ txid, vsize: tx.vsize, oda: tx.oda ? odaSummary(tx.oda) : undefined });
    }
    const blocks = [];
    for (let h = info.blocks; h >= 0 && h > info.blocks - RECENT_BLOCKS; h--) {
      blocks.push(await this.blockSummary(await this.call('getblock', await this.call('getblockhash', h), 2)));
    }
    return {
      chain: info.chain, height: info.blocks, headers: info.headers, bestblockhash: info.bestblockhash, time: info.time,
      verificationprogress: info.verificationprogress, initialblockdownload: info.initialblockdownload,
      mempool: { size: mempool.size, bytes: mempool.bytes, total_fee: mempool.total_fee, txs: pending },
      blocks, models: await this.call('listmodels'), downloads: await this.downloads(), evaluations: await this.evaluations(),
    };
  }

  async block(id: string): Promise<Json> {
    let hash = id.toLowerCase();
    if (HEIGHT.test(id)) hash = await this.call('getblockhash', Number(id)).catch(notFound(`No block at height ${id}`));
    else if (!HEX64.test(hash)) throw new NotFound(`'${clip(id)}' is not a block hash or height`);
    const b = await this.call('getblock', hash, 2).catch(notFound(`Block ${hash} not found`));
    const summary = await this.blockSummary(b);
    const txs = b.tx.map((t: Json) => ({
      txid: t.txid, vsize: t.vsize, fee: t.fee, coinbase: !!t.vin?.[0]?.coinbase,
      out: sum(t.vout.map((o: Json) => o.value)), oda: t.oda ? odaSummary(t.oda) : undefined,
      cu: t.oda ? this.cuCache.get(t.txid) ?? null : undefined,
    }));
    const { tx: _tx, ...header } = b;
    return { ...header, summary, txs };
  }

  /** What a block carried: its ODA transactions by type, fees, burns and compute units. */
  private async blockSummary(b: Json): Promise<Json> {
    const txs: Json[] = b.tx;
    let fees = 0n;
    let burned = 0n;
    let cu = 0;
    let cuKnown = true;
    const oda: Json[] = [];
    for (const t of txs) {
      if (t.fee !== undefined) fees += amountToSats(t.fee);
      for (const o of t.vout) if (o.scriptPubKey?.type === 'nulldata') burned += amountToSats(o.value);
      if (!t.oda) continue;
      oda.push({ txid: t.txid, ...odaSummary(t.oda) });
      const c = await this.costOf(t.txid, t.oda);
      if (c === null) cuKnown = false;
      else cu += c;
    }
    const cost = costAware(b);
    return {
      hash: b.hash, height: b.height, time: b.time, nTx: b.nTx, size: b.size, weight: b.weight,
      // After ODA-BIP-0005 activation the block commits its CU: that, not our per-tx estimate.
      fees: amount(fees), burned: amount(burned), cost_units: cost?.cu ?? (cuKnown ? cu : null), oda,
      cost, storage: b.storage ?? null, registry_root: b.registry_root ?? null,
    };
  }

  /** Compute units every validator spent on one ODA transaction (estimatecost), null if unknown. */
  private async costOf(txid: string, oda: Json): Promise<number | null> {
    const hit = this.cuCache.get(txid);
    if (hit !== undefined) return hit;
    const cu = await this.estimate(txid, oda);
    if (this.cuCache.size >= CU_CACHE) this.cuCache.clear();
    this.cuCache.set(txid, cu);
    return cu;
  }

  private async estimate(txid: string, oda: Json): Promise<number | null> {
    // ODA-BIP-0007b charges a private model's transactions 0 CU (nothing is evaluated), and
    // estimatecost cannot load its encrypted blobs.
    if (await this.isPrivate(oda)) return 0;
    let req: Json | undefined;
    if (oda.type === 'inference') {
      const inf = await this.call('getinference', txid).catch(() => undefined);
      if (inf?.rows) req = { type: 'inference', model_id: oda.modelid, rows: inf.rows };
    } else if (oda.type === 'reveal-weights') req = { type: 'update-weights', model_id: oda.modelid };
    else if (oda.type === 'add-model') req = { type: 'add-model', architecture: oda.architecture.root, dataset: oda.dataset.root, objective: oda.objective };
    else if (oda.type === 'commit-weights') req = { type: 'commit-weights' };
    return req ? ((await this.call('estimatecost', req).catch(() => undefined))?.cost_units ?? null) : null;
  }

  /** Whether an ODA transaction belongs to a private model (types 5/6 or anything on one). */
  private async isPrivate(oda: Json): Promise<boolean> {
    if (oda.type === 'approve-version' || oda.private) return true;
    if (oda.type !== 'inference' || !oda.modelid) return false;
    return (await this.call('getmodel', oda.modelid).catch(() => undefined))?.private === true;
  }

  async tx(id: string): Promise<Json> {
    const txid = id.toLowerCase();
    if (!HEX64.test(txid)) throw new NotFound(`'${clip(id)}' is not a transaction id`);
    const tx = await this.call('getrawtransaction', txid, 1).catch(notFound(`Transaction ${txid} not found`));
    delete tx.hex;
    const out: Json = { tx };
    if (tx.oda && !tx.oda.error) {
      out.cost_units = await this.costOf(txid, tx.oda);
      if (tx.oda.type === 'inference') out.inference = shortTensors(await this.call('getinference', txid).catch(() => undefined));
      if (tx.oda.modelid) out.model = await this.call('getmodel', tx.oda.modelid).catch(() => undefined);
    }
    return out;
  }

  async model(id: string): Promise<Json> {
    const modelId = id.toLowerCase();
    if (!HEX64.test(modelId)) throw new NotFound(`'${clip(id)}' is not a model id`);
    const model = await this.call('getmodel', modelId).catch(notFound(`Model ${modelId} not found`));
    const history = await this.call('getmodelhistory', modelId);
    const records = await this.ctx.oda?.registry().listInferences(modelId) ?? [];
    const per = new Map<number, { inferences: number; rows: number; royalties: bigint }>();
    for (const r of records) {
      const v = per.get(r.version) ?? { inferences: 0, rows: 0, royalties: 0n };
      v.inferences++;
      v.rows += r.rows;
      v.royalties += r.royalty;
      per.set(r.version, v);
    }
    let total = 0n;
    const versions = history.versions.map((v: Json) => {
      const p = per.get(v.version) ?? { inferences: 0, rows: 0, royalties: 0n };
      total += p.royalties;
      return { ...v, inferences: p.inferences, rows: p.rows, royalties: amount(p.royalties) };
    });
    return { model, versions, inferences: records.length, royalties_paid: amount(total) };
  }

  async address(id: string): Promise<Json> {
    if (id.length > MAX_QUERY) throw new NotFound('Address too long');
    const info = await this.call('validateaddress', id);
    if (!info.isvalid) throw new NotFound(`'${clip(id)}' is not a valid address of this chain`);
    // No address index: what the registry knows about the address (models it created or trained).
    const models: Json[] = await this.call('listmodels');
    const created = models.filter((m) => m.creator === id).map((m) => ({ model_id: m.model_id, name: m.name }));
    const trained = [];
    for (const m of models) {
      const h = await this.call('getmodelhistory', m.model_id);
      for (const v of h.versions) if (v.trainer === id) trained.push({ model_id: m.model_id, name: m.name, version: v.version, score: v.score, txid: v.txid });
    }
    return { address: id, info, created, trained };
  }

  /** Where a query leads: { kind, id } for the page to show, or NotFound. */
  async search(q0: string): Promise<Json> {
    const q = q0.trim();
    if (q.length === 0) throw new NotFound('Type a block hash or height, a txid, a model id or an address');
    if (q.length > MAX_QUERY) throw new NotFound(`Query too long (${q.length} characters, at most ${MAX_QUERY})`);
    if (HEIGHT.test(q)) {
      await this.call('getblockhash', Number(q)).catch(notFound(`No block at height ${q}`));
      return { kind: 'block', id: q };
    }
    const h = q.toLowerCase();
    if (HEX64.test(h)) {
      if (await this.call('getblock', h, 1).then(() => true, () => false)) return { kind: 'block', id: h };
      if (await this.call('getrawtransaction', h, 0).then(() => true, () => false)) return { kind: 'tx', id: h };
      if (await this.call('getmodel', h).then(() => true, () => false)) return { kind: 'model', id: h };
      throw new NotFound(`Nothing with id ${h}: no block, transaction or model`);
    }
    if ((await this.call('validateaddress', q)).isvalid) return { kind: 'address', id: q };
    throw new NotFound(`'${clip(q)}' is not a block hash or height, a txid, a model id or an address`);
  }

  async downloads(): Promise<Json[]> {
    if (!this.methods.has('getmodeldownloads')) return [];
    return this.call('getmodeldownloads').catch(() => []);
  }

  async evaluations(): Promise<Json[]> {
    if (!this.methods.has('getevaluations')) return [];
    return this.call('getevaluations').catch(() => []);
  }
}

/**
 * The ODA-BIP-0005 fields getblock gave (null before activation), plus the targets their
 * compact bits stand for and the base fee's unit, so the page need not decode anything.
 */
function costAware(b: Json): Json | null {
  if (b.base_bits === undefined) return null;
  const target = (bits: string) => compactToTarget(parseInt(bits, 16)).target.toString(16).padStart(64, '0');
  return {
    cu: b.cu ?? null, cu_burned: b.cu_burned ?? null, cu_base_fee: b.cu_base_fee ?? null, cu_per_fee_unit: Number(COST_AWARE.cuPerFeeUnit),
    cu_discount_ppm: b.cu_discount_ppm ?? null, bits: b.bits, base_bits: b.base_bits, target: b.target, base_target: target(b.base_bits),
  };
}

function odaSummary(oda: Json): Json {
  return oda.error ? { type: 'invalid', error: oda.error } : { type: oda.type, modelid: oda.modelid, name: oda.name };
}

function sum(values: unknown[]): unknown {
  return amount(values.reduce<bigint>((a, v) => a + amountToSats(v), 0n));
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** Maps "no such thing" RPC errors to NotFound with a page-friendly message; others propagate. */
function notFound(message: string): (e: unknown) => never {
  return (e) => {
    if (e instanceof RpcError && (e.code === RPC.INVALID_ADDRESS_OR_KEY || e.code === RPC.INVALID_PARAMETER)) throw new NotFound(message);
    throw e;
  };
}

/** A page shows the first values of each tensor; the full data is one RPC call away. */
function shortTensors(inf: Json | undefined): Json | undefined {
  if (!inf) return inf;
  const cut = (ts: Json[] | undefined) => ts?.map((t) => ({ ...t, values: Array.isArray(t.data) ? t.data.length : undefined, data: Array.isArray(t.data) ? t.data.slice(0, TENSOR_VALUES_SHOWN) : t.data }));
  return { ...inf, input: cut(inf.input), output: cut(inf.output) };
}
