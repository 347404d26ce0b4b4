// The explorer's pages, rendered in the browser from the node's read-only JSON API (/api/...).
// Every value is inserted as text (never as HTML), so nothing from the chain can run as script.
import { scoreChart } from './chart.js';

const main = document.getElementById('main');

/** h('a', { href }, child...) with string children as text nodes. */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

const short = (s, n = 12) => (s && s.length > 2 * n ? `${s.slice(0, n)}…${s.slice(-6)}` : s);
const link = (kind, id, text) => h('a', { href: `/${kind}/${encodeURIComponent(id)}`, class: 'hash' }, text ?? short(id));
const time = (t) => (t ? new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '');
const btc = (v) => (v === undefined || v === null ? '' : `${v} BTC`);
const num = (v) => (v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US'));
/** ODA-BIP-0005 discounts are in parts per million; shown as a percentage (small ones are common). */
const ppm = (v) => (v === undefined || v === null ? '–' : `${(Number(v) / 10_000).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`);
const bip = (n, text) => h('span', { class: 'bip', title: `specified in spec/BIPs/oda-bip-${n}` }, text ?? `ODA-BIP-${n}`);
const odaTag = (o) => (o ? h('span', { class: `tag${o.type === 'invalid' ? ' invalid' : ''}` }, o.type) : '');

function kv(rows, attrs = {}) {
  return h('table', { class: 'kv', ...attrs }, h('tbody', {}, rows.filter(Boolean).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v ?? '')))));
}

function table(head, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, head.map((c) => (Array.isArray(c) ? h('th', { class: c[1] }, c[0]) : h('th', {}, c))))),
    h('tbody', {}, rows));
}

function card(label, value, extra) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), extra);
}

function section(title, ...body) {
  return h('section', {}, h('h2', {}, title), ...body);
}

class NotFoundError extends Error {}

async function api(path) {
  const r = await fetch(`/api/${path}`, { headers: { Accept: 'application/json' } });
  let body;
  try {
    body = await r.json();
  } catch {
    throw new Error(`The node answered ${r.status} without JSON`);
  }
  if (r.status === 404) throw new NotFoundError(body.error ?? 'Not found');
  if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
  return body;
}

function render(title, ...nodes) {
  document.title = `${title} · ODA explorer`;
  main.replaceChildren(...nodes);
  main.dataset.state = 'ready';
}

function notFoundPage(message) {
  document.title = 'Not found · ODA explorer';
  main.replaceChildren(h('div', { class: 'notfound', id: 'not-found' }, h('h1', {}, 'Not found'), h('p', {}, message), h('p', {}, h('a', { href: '/' }, 'Back to the latest blocks'))));
  main.dataset.state = 'notfound';
}

function odaCell(list) {
  return list.length ? list.map((o) => odaTag(o)) : h('span', { class: 'muted' }, '–');
}

function downloadsSection(downloads) {
  if (!downloads?.length) return '';
  return section('Model data downloads', table(['blob', ['progress', 'num'], ['rate', 'num'], ['ETA', 'num'], ['peers', 'num']], downloads.map((d) => h('tr', {},
    h('td', { class: 'hash' }, short(d.root)),
    h('td', { class: 'num' }, d.pieces ? `${(100 * d.progress).toFixed(1)}% (${num(d.pieces_have)}/${num(d.pieces)} pieces)` : 'waiting for a manifest'),
    h('td', { class: 'num' }, `${(d.rate / 1024).toFixed(1)} KiB/s`), h('td', { class: 'num' }, d.eta === undefined ? '–' : `${d.eta} s`),
    h('td', { class: 'num' }, d.peers))), { id: 'downloads' }));
}

function evaluationsSection(evaluations) {
  if (!evaluations?.length) return '';
  return section('Model evaluations', table(['what', 'model', 'for', ['progress', 'num'], ['rate', 'num'], ['ETA', 'num']], evaluations.map((e) => h('tr', {},
    h('td', {}, h('span', { class: 'tag' }, e.type)), h('td', {}, link('model', e.modelid, short(e.modelid))),
    h('td', {}, e.txid ? link('tx', e.txid, `${e.source}${e.height === undefined ? '' : ` #${e.height}`}`) : e.source),
    h('td', { class: 'num' }, `${(100 * e.progress).toFixed(1)}% (${num(e.rows_done)}/${num(e.rows)} rows)`),
    h('td', { class: 'num' }, `${num(e.rate)} rows/s`), h('td', { class: 'num' }, e.eta === undefined ? '–' : `${e.eta} s`))), { id: 'evaluations' }));
}

async function home() {
  const d = await api('home');
  const pct = Math.min(1, Number(d.verificationprogress) || 0);
  const blocks = d.blocks.map((b) => h('tr', {},
    h('td', { class: 'num' }, link('block', b.hash, String(b.height))), h('td', {}, link('block', b.hash)), h('td', {}, time(b.time)),
    h('td', { class: 'num' }, b.nTx), h('td', {}, odaCell(b.oda)), h('td', { class: 'num' }, num(b.cost_units)),
    h('td', { class: 'num discount' }, b.cost ? ppm(b.cost.cu_discount_ppm) : '–'), h('td', { class: 'num' }, b.fees)));
  const models = d.models.map((m) => h('tr', {},
    h('td', {}, link('model', m.model_id, m.name || short(m.model_id)), m.private ? h('span', { class: 'tag private' }, 'private') : ''), h('td', {}, m.objective), h('td', { class: 'num' }, m.version),
    h('td', { class: 'num' }, num(m.score)), h('td', { class: 'num' }, m.royalty), h('td', {}, link('address', m.trainer, short(m.trainer, 10)))));
  const pending = d.mempool.txs.map((t) => h('tr', {}, h('td', {}, link('tx', t.txid)), h('td', { class: 'num' }, t.vsize), h('td', {}, odaTag(t.oda))));
  render('Home',
    h('div', { class: 'cards' },
      card('Chain tip', link('block', d.bestblockhash, `#${d.height}`)),
      card('Sync', `${(pct * 100).toFixed(2)}%`, h('div', { class: 'progress' }, h('div', { style: `width:${(pct * 100).toFixed(2)}%` }))),
      card('Mempool', `${d.mempool.size} tx`, h('div', { class: 'muted' }, `${num(d.mempool.bytes)} bytes, fees ${btc(d.mempool.total_fee)}`)),
      card('Models', String(d.models.length))),
    section('Latest blocks', table([['height', 'num'], 'hash', 'time', ['txs', 'num'], 'ODA', ['CU', 'num'], ['difficulty discount', 'num'], ['fees', 'num']], blocks, { id: 'blocks' }),
      h('p', { class: 'muted note' }, 'CU: compute units every validator spends on the block\'s ODA transactions; after ', bip('0005'),
        ' activation the block commits them and earns a bounded difficulty discount for the fees it burns.')),
    section('Models', models.length ? table(['name', 'objective', ['version', 'num'], ['score', 'num'], ['royalty', 'num'], 'trainer'], models, { id: 'models' }) : h('p', { class: 'muted' }, 'No model registered yet.')),
    section('Mempool', pending.length ? table(['txid', ['vsize', 'num'], 'ODA'], pending, { id: 'mempool' }) : h('p', { class: 'muted' }, 'The mempool is empty.')),
    evaluationsSection(d.evaluations),
    downloadsSection(d.downloads));
}

async function block(id) {
  const b = await api(`block/${encodeURIComponent(id)}`);
  const s = b.summary;
  const txs = b.txs.map((t) => h('tr', {},
    h('td', {}, link('tx', t.txid)), h('td', {}, t.coinbase ? h('span', { class: 'tag' }, 'coinbase') : odaTag(t.oda)),
    h('td', {}, t.oda?.modelid ? link('model', t.oda.modelid, t.oda.name || short(t.oda.modelid)) : ''),
    h('td', { class: 'num' }, t.vsize), h('td', { class: 'num' }, t.fee ?? ''), h('td', { class: 'num' }, t.out)));
  render(`Block ${b.height}`,
    h('h1', {}, `Block ${b.height}`),
    section('Header', kv([
      ['Hash', h('span', { class: 'hash', id: 'block-hash' }, b.hash)],
      ['Confirmations', b.confirmations],
      ['Time', time(b.time)],
      b.previousblockhash && ['Previous', link('block', b.previousblockhash, b.previousblockhash)],
      b.nextblockhash && ['Next', link('block', b.nextblockhash, b.nextblockhash)],
      ['Merkle root', h('span', { class: 'hash' }, b.merkleroot)],
      ['Size / weight', `${num(b.size)} B / ${num(b.weight)} WU`],
      ['Difficulty', b.difficulty],
    ])),
    section('What it carried', kv([
      ['Transactions', b.nTx], ['ODA transactions', odaCell(s.oda)], ['Compute units', num(s.cost_units)],
      ['Fees', btc(s.fees)], ['Burned (OP_RETURN value)', btc(s.burned)],
    ], { id: 'block-summary' })),
    costSection(s.cost),
    storageSection(s.storage),
    registrySection(s.registry_root),
    section('Transactions', table(['txid', 'kind', 'model', ['vsize', 'num'], ['fee', 'num'], ['out', 'num']], txs, { id: 'txs' })));
}

/** ODA-BIP-0005: what the block committed and what its bits were worth (absent before activation). */
function costSection(c) {
  if (!c) return '';
  return section(['Cost-aware difficulty (', bip('0005'), ')'], kv([
    ['Block compute units', num(c.cu)],
    ['Burned for CU', btc(c.cu_burned)],
    ['Base fee', c.cu_base_fee === null ? '–' : `${num(c.cu_base_fee)} sat per ${num(c.cu_per_fee_unit)} CU`],
    ['Difficulty discount', c.cu_discount_ppm === null ? '–' : `${ppm(c.cu_discount_ppm)} (${num(c.cu_discount_ppm)} ppm)`],
    ['Bits (discounted)', h('span', { class: 'hash' }, c.bits)],
    ['Base bits (undiscounted)', h('span', { class: 'hash' }, c.base_bits)],
    ['Target', h('span', { class: 'hash' }, c.target)],
    ['Base target', h('span', { class: 'hash' }, c.base_target)],
  ], { id: 'cost-aware' }), h('p', { class: 'muted note' }, 'Chainwork counts the base target; the discount only eases this block\'s own proof of work.'));
}

/** ODA-BIP-0006: the 113-byte header's storage digest and the live slots it skipped. */
function storageSection(st) {
  if (!st) return '';
  return section(['Storage proof (', bip('0006'), ')'], kv([
    ['Storage digest', h('span', { class: 'hash' }, st.digest)],
    ['Live slots skipped', num(st.skips)],
  ], { id: 'storage-proof' }));
}

/** ODA-BIP-0007: the registry root the coinbase commits to (absent before activation). */
function registrySection(root) {
  if (!root) return '';
  return section(['Registry commitment (', bip('0007'), ')'], kv([
    ['Registry root', h('span', { class: 'hash' }, root)],
  ], { id: 'registry-commitment' }), h('p', { class: 'muted note' }, 'Every model proof a lite node checks against this block leads to this root.'));
}

function payloadRows(o) {
  const blob = (b) => (b ? `${short(b.root)} (${num(b.length)} B)` : '');
  const data = (d) => (d ? (d.kind === 'blob' ? `blob ${blob(d)}` : `inline, ${d.bytes} bytes, hash ${short(d.hash)}`) : '');
  switch (o.type) {
    case 'add-model': return [['Model', link('model', o.modelid, o.modelid)], ['Name', o.name], ['Description', o.description], ['License', o.license], ['Objective', o.objective],
      ['Royalty', btc(o.royalty)], ['Architecture', blob(o.architecture)], ['Dataset', blob(o.dataset)], ['Weights', blob(o.weights)], ['Version label', o.versionlabel],
      ...(o.private ? privateTermsRows(o) : [])];
    case 'commit-weights': return [['Model', link('model', o.modelid, o.modelid)], ['Commitment', h('span', { class: 'hash' }, o.commitment)]];
    case 'reveal-weights': return [['Model', link('model', o.modelid, o.modelid)], ['Weights', blob(o.weights)], ['Salt', h('span', { class: 'hash' }, o.salt)], ['Version label', o.versionlabel]];
    case 'inference': return [['Model', link('model', o.modelid, o.modelid)], ['Version', o.version], ['Input', data(o.input)], ['Output', data(o.output)]];
    case 'approve-version': return [['Model', link('model', o.modelid, o.modelid)], ['Approval number', o.seq],
      ['Approves', o.target.kind === 'new' ? `new weights ${blob(o.target.weights)}${o.target.versionlabel ? `, label ${o.target.versionlabel}` : ''}` : `rollback to version ${o.target.version}`],
      ['Owner signatures', `${o.signatures.length} (owners ${o.signatures.map((x) => x.index).join(', ')})`]];
    default: return [['Error', o.error], ['Details', o.details]];
  }
}

/** ODA-BIP-0007b terms: owner keys are public (x-only); content keys never reach the chain or this page. */
function privateTermsRows(o) {
  return [['Private model', [bip('0007b'), ': blobs encrypted, versions approved by owners']],
    ['Owners', h('ol', { class: 'owners' }, o.owners.map((k) => h('li', { class: 'hash' }, k)))],
    ['Threshold', `${o.threshold} of ${o.owners.length} owners`]];
}

async function tx(id) {
  const d = await api(`tx/${encodeURIComponent(id)}`);
  const t = d.tx;
  const ins = t.vin.map((i) => h('tr', {}, h('td', {}, i.coinbase ? h('span', { class: 'tag' }, 'coinbase') : [link('tx', i.txid), `:${i.vout}`])));
  const outs = t.vout.map((o) => h('tr', {}, h('td', { class: 'num' }, o.n), h('td', { class: 'num' }, o.value),
    h('td', {}, o.scriptPubKey.address ? link('address', o.scriptPubKey.address, o.scriptPubKey.address) : h('span', { class: 'muted' }, o.scriptPubKey.type))));
  const parts = [h('h1', {}, 'Transaction'),
    section('Overview', kv([
      ['Txid', h('span', { class: 'hash', id: 'txid' }, t.txid)],
      ['Status', t.blockhash ? [`${t.confirmations} confirmations in `, link('block', t.blockhash)] : 'in the mempool'],
      t.time && ['Time', time(t.time)], ['Size', `${t.size} B (${t.vsize} vB)`],
      t.oda && ['ODA', odaTag(t.oda.error ? { type: 'invalid' } : t.oda)], d.cost_units !== undefined && ['Compute units', num(d.cost_units)],
    ]))];
  if (t.oda) parts.push(section(t.oda.error ? 'ODA payload (malformed)' : `ODA payload: ${t.oda.type}`, kv(payloadRows(t.oda), { id: 'oda-payload' })));
  // An add-model's payload already lists the owners: below it, only where the model stands now.
  if (d.model?.private) parts.push(privateSection(d.model, t.oda.type !== 'add-model'));
  const inf = d.inference;
  if (inf) {
    const tensors = (ts) => (ts ?? []).map((x) => h('tr', {}, h('td', {}, x.name ?? ''), h('td', {}, x.type), h('td', {}, `[${x.dims.join(', ')}]`),
      h('td', { class: 'hash' }, `${x.data.join(' ')}${x.values > x.data.length ? ' …' : ''}`)));
    parts.push(section('Inference', kv([['Rows', inf.rows], ['Royalty', btc(inf.royalty)], inf.argmax && ['Predicted classes', h('span', { id: 'argmax' }, inf.argmax.join(', '))]]),
      table(['tensor', 'type', 'dims', 'values'], [...tensors(inf.input), ...tensors(inf.output)], { id: 'tensors' })));
  }
  parts.push(section('Inputs', table(['spends'], ins)), section('Outputs', table([['n', 'num'], ['value', 'num'], 'to'], outs, { id: 'outputs' })));
  render(`Tx ${short(t.txid, 8)}`, ...parts);
}

async function model(id) {
  const d = await api(`model/${encodeURIComponent(id)}`);
  const m = d.model;
  const versions = d.versions.map((v) => h('tr', { 'data-version': v.version },
    h('td', { class: 'num' }, v.version), h('td', {}, v.version_label), h('td', { class: 'num' }, num(v.score)),
    h('td', {}, link('address', v.trainer, short(v.trainer, 10))), h('td', {}, link('tx', v.txid)), h('td', { class: 'num' }, link('block', String(v.height), String(v.height))),
    h('td', { class: 'num inferences' }, v.inferences), h('td', { class: 'num' }, num(v.rows)), h('td', { class: 'num' }, v.royalties)));
  const blob = (b) => `${b.root} (${num(b.length)} B${m.private ? ', encrypted' : ''})`;
  render(m.name || `Model ${short(m.model_id, 8)}`,
    h('h1', {}, `Model ${m.name || short(m.model_id)}`, m.private ? h('span', { class: 'tag private' }, 'private') : ''),
    h('div', { class: 'cards' },
      card(m.private ? 'Approved version' : 'Current version', `v${m.version}`), m.private ? card('Approvals', num(m.approvals)) : card('Score', num(m.score)),
      card('Inferences', num(d.inferences)), card('Royalties paid', btc(d.royalties_paid))),
    // A private model's versions are approved, not scored: every score is 0, so no chart.
    m.private ? privateSection(m) : section('Score over versions', scoreChart(d.versions.map((v) => ({ x: v.version, y: Number(v.score), label: v.version_label })))),
    section('Versions', table([['version', 'num'], 'label', ['score', 'num'], 'trainer', 'txid', ['height', 'num'], ['inferences', 'num'], ['rows', 'num'], ['royalties', 'num']], versions, { id: 'versions' })),
    section('Metadata', kv([
      ['Model id', h('span', { class: 'hash', id: 'model-id' }, m.model_id)], ['Description', m.description], ['License', m.license],
      ['Objective', m.objective], ['Royalty per inference', btc(m.royalty)], ['Creator', link('address', m.creator, m.creator)],
      ['Registered', ['block ', link('block', String(m.height), String(m.height)), ' by ', link('tx', m.txid)]],
      ['Architecture', blob(m.architecture)], ['Dataset', blob(m.dataset)], [m.private ? 'Approved weights' : 'Current weights', blob(m.weights)],
    ])));
}

/** getmodel's ODA-BIP-0007b fields: who approves versions, and what this node did not check. */
function privateSection(m, owners = true) {
  return section(['Private model (', bip('0007b'), ')'], kv([
    ['Model', link('model', m.model_id, m.name || m.model_id)],
    owners && ['Owners', h('ol', { class: 'owners' }, m.owners.map((k) => h('li', { class: 'hash' }, k)))],
    owners && ['Threshold', `${m.threshold} of ${m.owners.length} owners sign each approval`],
    ['Approved version', `v${m.version} (${num(m.versions)} version${m.versions === 1 ? '' : 's'}, ${num(m.approvals)} approval${m.approvals === 1 ? '' : 's'})`],
    ['Verification', m.verification],
  ], { id: 'private-model' }), h('p', { class: 'muted note' }, 'Its architecture and weights are encrypted: only holders of the content key, which owners hand out off-chain, can run it.'));
}

async function address(id) {
  const d = await api(`address/${encodeURIComponent(id)}`);
  render(`Address ${short(d.address, 8)}`,
    h('h1', {}, 'Address'),
    section('Overview', kv([['Address', h('span', { class: 'hash', id: 'address' }, d.address)], ['Script', h('span', { class: 'hash' }, d.info.scriptPubKey)],
      ['Type', d.info.iswitness ? `witness v${d.info.witness_version}` : 'legacy']])),
    section('Models created', d.created.length ? table(['model'], d.created.map((m) => h('tr', {}, h('td', {}, link('model', m.model_id, m.name || m.model_id))))) : h('p', { class: 'muted' }, 'None.')),
    section('Versions trained', d.trained.length ? table(['model', ['version', 'num'], ['score', 'num'], 'txid'], d.trained.map((v) => h('tr', {},
      h('td', {}, link('model', v.model_id, v.name || short(v.model_id))), h('td', { class: 'num' }, v.version), h('td', { class: 'num' }, num(v.score)), h('td', {}, link('tx', v.txid))))) : h('p', { class: 'muted' }, 'None.')),
    h('p', { class: 'muted' }, 'This node keeps no address index: payments to the address are not listed.'));
}

/** The search page shows the result in place (and fixes the URL), so one load is one page. */
async function search(q) {
  document.querySelector('.search input').value = q;
  const r = await api(`search?q=${encodeURIComponent(q)}`);
  history.replaceState(null, '', `/${r.kind}/${encodeURIComponent(r.id)}`);
  return PAGES[r.kind](r.id);
}

const PAGES = { '': home, block, tx, model, address };

async function route() {
  const parts = location.pathname.split('/').slice(1);
  let seg;
  try {
    seg = parts.map(decodeURIComponent);
  } catch {
    return notFoundPage('Malformed address bar path.');
  }
  try {
    if (seg[0] === 'search') return await search(new URLSearchParams(location.search).get('q') ?? '');
    const page = PAGES[seg[0]];
    if (!page || seg.length > 2 || (seg[0] !== '' && !seg[1])) return notFoundPage(`No page ${location.pathname}.`);
    await page(seg[1]);
  } catch (e) {
    if (e instanceof NotFoundError) notFoundPage(e.message);
    else {
      main.replaceChildren(h('div', { class: 'notfound', id: 'error' }, h('h1', {}, 'The node could not answer'), h('p', {}, e.message)));
      main.dataset.state = 'error';
    }
  }
}

route();
