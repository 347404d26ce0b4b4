// The ODA envelope (ODA-BIP-0003 "Envelope"): how a payload rides in a Bitcoin transaction.
//
//   scriptPubKey = OP_RETURN <push: "ODA" | version u8 | type u8 | payload body>
//
// An output is ODA-marked when its script is OP_RETURN followed by a push whose data starts
// with the 3 magic bytes "ODA". A transaction with no ODA-marked output is an ordinary
// transaction and untouched by these rules. A transaction with ODA-marked outputs is valid
// only if there is exactly one, its value is 0, the push is the minimal push for its length,
// nothing follows the push, the version is 1, the type known and the body canonical.
import type { Transaction } from '../chain/block.js';
import { VerifyError, type RejectKind } from '../chain/errors.js';
import { OdaDecodeError } from './codec.js';
import { ODA_VERSION, OdaType, decodePayloadBody, encodePayloadBody, typeCodeOf, type OdaPayload } from './payload.js';

export const ODA_MAGIC = Uint8Array.of(0x4f, 0x44, 0x41); // "ODA"
const OP_RETURN = 0x6a;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;

/** The minimal push of `data` (Core's CheckMinimalPush for data of 2+ bytes). */
function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: number[];
  if (n <= 75) head = [n];
  else if (n <= 0xff) head = [OP_PUSHDATA1, n];
  else if (n <= 0xffff) head = [OP_PUSHDATA2, n & 0xff, n >> 8];
  else head = [OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/** The OP_RETURN scriptPubKey carrying `payload` (output value must be 0). */
export function encodeOdaOutput(payload: OdaPayload): Uint8Array {
  const body = encodePayloadBody(payload);
  const data = new Uint8Array(5 + body.length);
  data.set(ODA_MAGIC, 0);
  data[3] = ODA_VERSION;
  data[4] = typeCodeOf(payload);
  data.set(body, 5);
  const push = pushData(data);
  const script = new Uint8Array(1 + push.length);
  script[0] = OP_RETURN;
  script.set(push, 1);
  return script;
}

interface Push { data: Uint8Array; end: number; minimal: boolean }

/** The first push after OP_RETURN, or undefined when the script is anything else. */
function firstPush(script: Uint8Array): Push | undefined {
  if (script.length < 2 || script[0] !== OP_RETURN) return undefined;
  const op = script[1];
  let len: number;
  let start: number;
  if (op >= 1 && op <= 75) {
    len = op;
    start = 2;
  } else if (op === OP_PUSHDATA1 && script.length >= 3) {
    len = script[2];
    start = 3;
  } else if (op === OP_PUSHDATA2 && script.length >= 4) {
    len = script[2] | (script[3] << 8);
    start = 4;
  } else if (op === OP_PUSHDATA4 && script.length >= 6) {
    len = (script[2] | (script[3] << 8) | (script[4] << 16)) + script[5] * 0x1000000;
    start = 6;
  } else return undefined;
  if (start + len > script.length) return undefined;
  const minimal = start === 2 ? len <= 75 : op === OP_PUSHDATA1 ? len > 75 : op === OP_PUSHDATA2 ? len > 0xff : len > 0xffff;
  return { data: script.subarray(start, start + len), end: start + len, minimal };
}

/** True when the script is an ODA-marked output (OP_RETURN + push starting with "ODA"). */
export function isOdaScript(script: Uint8Array): boolean {
  const p = firstPush(script);
  return p !== undefined && p.data.length >= 3 && p.data[0] === 0x4f && p.data[1] === 0x44 && p.data[2] === 0x41;
}

export interface DecodedOda {
  payload: OdaPayload;
  /** Index of the ODA output. */
  vout: number;
}

function bad(kind: RejectKind, reason: string, details: string): never {
  throw new VerifyError(kind, reason, 100, details);
}

/** Payload types of ODA-BIP-0003, and those ODA-BIP-0007b adds from its activation height. */
const V1_TYPES: ReadonlySet<number> = new Set([OdaType.ADD_MODEL, OdaType.COMMIT_WEIGHTS, OdaType.REVEAL_WEIGHTS, OdaType.INFERENCE]);

/**
 * The ODA payload of a transaction: undefined for an ordinary transaction, otherwise the
 * decoded payload; throws VerifyError(kind, 'bad-oda-*') for a malformed ODA envelope.
 * `privateModels`: types 5 and 6 (ODA-BIP-0007b) are known; otherwise they are unknown types
 * (`bad-oda-type`), exactly as before their activation. Consensus passes whether the rule is
 * active at the height judged; display and policy helpers pass true.
 */
export function decodeOdaTx(tx: Transaction, kind: RejectKind = 'tx', privateModels = false): DecodedOda | undefined {
  const hit = decoded.get(tx);
  // A type 5/6 payload remembered by a caller that knows them is still unknown to one that does not.
  if (hit && sameOutputs(hit, tx) && (privateModels || V1_TYPES.has(typeCodeOf(hit.result.payload)))) return hit.result;
  const result = decodeOutputs(tx, kind, privateModels);
  // Only ODA transactions are remembered: an ordinary one costs a scan of its outputs, less
  // than a map entry.
  if (result) decoded.set(tx, { scripts: tx.outs.map((o) => o.script), values: tx.outs.map((o) => o.value), result });
  return result;
}

/**
 * A transaction's decoded envelope, kept per transaction object: a block's ODA payloads are
 * decoded once and shared by the P2P data gate, the parking check, block validation and the
 * mempool recheck (each used to decode them again). The entry holds the outputs it was
 * decoded from, so a transaction edited after decoding (a wallet adding change) decodes
 * anew; the shared result is frozen so no reader can change it for another.
 */
const decoded = new WeakMap<Transaction, { scripts: Uint8Array[]; values: bigint[]; result: DecodedOda }>();

function sameOutputs(m: { scripts: Uint8Array[]; values: bigint[] }, tx: Transaction): boolean {
  if (m.scripts.length !== tx.outs.length) return false;
  for (let i = 0; i < tx.outs.length; i++) if (tx.outs[i].script !== m.scripts[i] || tx.outs[i].value !== m.values[i]) return false;
  return true;
}

function decodeOutputs(tx: Transaction, kind: RejectKind, privateModels: boolean): DecodedOda | undefined {
  let found: DecodedOda | undefined;
  for (let i = 0; i < tx.outs.length; i++) {
    const out = tx.outs[i];
    if (!isOdaScript(out.script)) continue;
    if (found) bad(kind, 'bad-oda-multiple', `ODA outputs at ${found.vout} and ${i}`);
    const push = firstPush(out.script)!;
    if (!push.minimal) bad(kind, 'bad-oda-envelope', `output ${i}: non-minimal push`);
    if (push.end !== out.script.length) bad(kind, 'bad-oda-envelope', `output ${i}: ${out.script.length - push.end} bytes after the push`);
    if (out.value !== 0n) bad(kind, 'bad-oda-envelope', `output ${i}: value ${out.value}, must be 0`);
    if (push.data.length < 5) bad(kind, 'bad-oda-envelope', `output ${i}: no version and type`);
    if (push.data[3] !== ODA_VERSION) bad(kind, 'bad-oda-version', `version ${push.data[3]}`);
    if (!privateModels && !V1_TYPES.has(push.data[4])) bad(kind, 'bad-oda-type', `unknown ODA type ${push.data[4]}`);
    try {
      found = Object.freeze({ payload: deepFreeze(decodePayloadBody(push.data[4], push.data.subarray(5))), vout: i });
    } catch (e) {
      if (e instanceof OdaDecodeError) bad(kind, e.reason, e.message);
      throw e;
    }
  }
  return found;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o) && !ArrayBuffer.isView(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
