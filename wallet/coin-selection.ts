// Fee math and coin selection, pure functions. Sizes are measured on the real
// transaction with dummy signatures of maximal size (72-byte DER + hash type for ECDSA,
// 64-byte Schnorr), as Core's DummySignatureCreator, so a fee computed here is never
// below the rate once the real, equal-or-smaller signatures are in.
import { Transaction } from '../chain/block.js';
import type { AddressType } from './keys.js';
import { getDustThreshold } from '../mempool/policy.js';

/** Core's CFeeRate::GetFee: rate in sat/kvB, rounded up so the rate is always met. */
export function feeFor(rateSatPerKvB: bigint, vsize: number): bigint {
  return (rateSatPerKvB * BigInt(vsize) + 999n) / 1000n;
}

const DUMMY_SIG = new Uint8Array(72).fill(0x30);
const DUMMY_PUB = new Uint8Array(33).fill(0x02);
const DUMMY_SCHNORR = new Uint8Array(64).fill(0x01);

/** Fills input `i` with a dummy signature for the given spend type. */
export function fillDummy(tx: Transaction, i: number, type: AddressType): void {
  switch (type) {
    case 'bech32':
      tx.ins[i].script = new Uint8Array(0);
      tx.ins[i].witness = [DUMMY_SIG, DUMMY_PUB];
      break;
    case 'p2sh-segwit':
      tx.ins[i].script = Uint8Array.from([22, 0, 20, ...new Uint8Array(20)]);
      tx.ins[i].witness = [DUMMY_SIG, DUMMY_PUB];
      break;
    case 'legacy':
      tx.ins[i].script = Uint8Array.from([72, ...DUMMY_SIG, 33, ...DUMMY_PUB]);
      tx.ins[i].witness = [];
      break;
    case 'bech32m':
      tx.ins[i].script = new Uint8Array(0);
      tx.ins[i].witness = [DUMMY_SCHNORR];
      break;
  }
}

/** Virtual size of `tx` once every input is signed; `types[i]` is input i's spend type. */
export function signedVsize(tx: Transaction, types: AddressType[]): number {
  const t = tx.clone();
  types.forEach((type, i) => fillDummy(t, i, type));
  return t.virtualSize();
}

export interface Candidate { id: string; value: bigint; type: AddressType }

export interface SelectionRequest {
  /** The transaction with recipients (and any preset inputs), no change yet. */
  tx: Transaction;
  /** Spend types of the preset inputs already in `tx`. */
  presetTypes: AddressType[];
  /** Sum of the preset inputs' values. */
  presetValue: bigint;
  /** Candidates in the order they should be tried (e.g. largest first). */
  candidates: Candidate[];
  feeRate: bigint;
  changeScript: Uint8Array;
  /** Change below this is dropped to the fee (dust, as Core's change handling). */
  changeDust: bigint;
  /** Indexes of recipient outputs that pay the fee (Core's subtractFeeFromOutputs). */
  subtractFeeFrom: number[];
}

export interface SelectionResult {
  selected: Candidate[];
  fee: bigint;
  /** Change value, 0n when no change output. */
  change: bigint;
  /** Per-recipient amount subtracted for the fee (same order as subtractFeeFrom). */
  subtracted: bigint[];
}

export class SelectionError extends Error {}

/**
 * Largest-first selection. Adds candidates until inputs cover recipients plus fee; adds
 * a change output when the leftover is at least `changeDust`, else gives it to the fee.
 * With subtractFeeFrom the recipients pay the fee (split evenly, the first one also pays
 * the remainder, as Core) and the inputs need only cover the recipients.
 */
export function selectCoins(req: SelectionRequest): SelectionResult {
  const target = req.tx.outs.reduce((a, o) => a + o.value, 0n);
  const sffo = req.subtractFeeFrom.length > 0;
  const selected: Candidate[] = [];
  let sum = req.presetValue;
  const withChange = req.tx.clone();
  withChange.addOutput(req.changeScript, 0n);
  const idx = [...req.candidates];
  for (;;) {
    const types = [...req.presetTypes, ...selected.map((c) => c.type)];
    const ins = [...selected];
    const build = (t: Transaction) => {
      const c = t.clone();
      for (const _ of ins) c.addInput(new Uint8Array(32), 0, 0xfffffffd);
      return c;
    };
    const feeNoChange = feeFor(req.feeRate, signedVsize(build(req.tx), types));
    const feeChange = feeFor(req.feeRate, signedVsize(build(withChange), types));
    const need = sffo ? target : target + feeNoChange;
    if ((selected.length > 0 || req.presetTypes.length > 0) && sum >= need) {
      const changeWith = sffo ? sum - target : sum - target - feeChange;
      if (changeWith >= req.changeDust) {
        return finish(req, selected, feeChange, changeWith);
      }
      const fee = sffo ? feeNoChange : sum - target;
      return finish(req, selected, fee, 0n, sffo ? sum - target : 0n);
    }
    const next = idx.shift();
    if (!next) throw new SelectionError('Insufficient funds');
    selected.push(next);
    sum += next.value;
  }
}

function finish(req: SelectionRequest, selected: Candidate[], fee: bigint, change: bigint, dustToFee = 0n): SelectionResult {
  const subtracted: bigint[] = [];
  const n = BigInt(req.subtractFeeFrom.length);
  if (n > 0n) {
    const share = fee / n;
    const rest = fee % n;
    req.subtractFeeFrom.forEach((_, k) => subtracted.push(share + (k === 0 ? rest : 0n)));
    for (let k = 0; k < req.subtractFeeFrom.length; k++) {
      const out = req.tx.outs[req.subtractFeeFrom[k]];
      if (out.value - subtracted[k] <= 0n) throw new SelectionError('The transaction amount is too small to pay the fee');
      if (out.value - subtracted[k] < getDustThreshold(out.script)) throw new SelectionError('The transaction amount is too small to send after the fee has been deducted');
    }
  }
  return { selected, fee: fee + dustToFee, change, subtracted };
}
