// Relay policy (Core's policy/policy.cpp): which transactions a node relays and mines,
// beyond consensus validity. Pure functions; each returns Core's reject reason or undefined.
import type { Transaction } from '../chain/block.js';
import { compactSizeLength } from '../util/bytes.js';
import {
  MAX_SCRIPT_SIZE, OP_RETURN, isPayToScriptHash, isPushOnly, multisigKeyCount, pushOnlyStack, scriptSigOpCount,
  scriptType, witnessProgram,
} from './script-template.js';

/** Fee rates are satoshis per 1000 virtual bytes (Core's CFeeRate). */
export const DEFAULT_MIN_RELAY_TX_FEE = 1000n;
export const DEFAULT_INCREMENTAL_RELAY_FEE = 1000n;
export const DUST_RELAY_TX_FEE = 3000n;
export const DEFAULT_BLOCK_MIN_TX_FEE = 1000n;

export const TX_MAX_STANDARD_VERSION = 2;
export const MAX_STANDARD_TX_WEIGHT = 400_000;
export const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;
export const MAX_STANDARD_SCRIPTSIG_SIZE = 1650;
export const MAX_OP_RETURN_RELAY = 83;
export const MAX_P2SH_SIGOPS = 15;
export const MAX_STANDARD_TX_SIGOPS_COST = 16_000;
export const MAX_STANDARD_P2WSH_STACK_ITEMS = 100;
export const MAX_STANDARD_P2WSH_STACK_ITEM_SIZE = 80;
export const MAX_STANDARD_P2WSH_SCRIPT_SIZE = 3600;
export const MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE = 80;
export const DEFAULT_BYTES_PER_SIGOP = 20;
export const WITNESS_SCALE_FACTOR = 4;

export const DEFAULT_ANCESTOR_LIMIT = 25;
export const DEFAULT_ANCESTOR_SIZE_LIMIT_KVB = 101;
export const DEFAULT_DESCENDANT_LIMIT = 25;
export const DEFAULT_DESCENDANT_SIZE_LIMIT_KVB = 101;
export const MAX_REPLACEMENT_CANDIDATES = 100;
export const DEFAULT_MAX_MEMPOOL_SIZE_MB = 300;
export const DEFAULT_MEMPOOL_EXPIRY_HOURS = 336;

const ANNEX_TAG = 0x50;
const TAPROOT_LEAF_MASK = 0xfe;
const TAPROOT_LEAF_TAPSCRIPT = 0xc0;

/** CFeeRate::GetFee: fee for `vsize` at `ratePerKvB`, rounded up (never 0 for a positive rate). */
export function feeForSize(ratePerKvB: bigint, vsize: number): bigint {
  const n = ratePerKvB * BigInt(vsize);
  let fee = n >= 0n ? (n + 999n) / 1000n : n / 1000n;
  if (fee === 0n && vsize !== 0) fee = ratePerKvB > 0n ? 1n : ratePerKvB < 0n ? -1n : 0n;
  return fee;
}

/** Core's GetVirtualTransactionSize: weight, or sigops priced at 20 vbytes each if larger. */
export function virtualSize(weight: number, sigOpCost: number, bytesPerSigOp = DEFAULT_BYTES_PER_SIGOP): number {
  const w = Math.max(weight, sigOpCost * bytesPerSigOp);
  return Math.floor((w + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR);
}

function serializedOutputSize(script: Uint8Array): number {
  return 8 + compactSizeLength(script.length) + script.length;
}

/** Core's GetDustThreshold: the value below which spending the output costs more than it is worth. */
export function getDustThreshold(script: Uint8Array, dustRelayFee = DUST_RELAY_TX_FEE): bigint {
  if ((script.length > 0 && script[0] === OP_RETURN) || script.length > MAX_SCRIPT_SIZE) return 0n;
  let size = serializedOutputSize(script);
  // Spending input: outpoint 36 + script length 1 + sequence 4, plus a 107-byte
  // scriptSig, or that signature discounted as witness data (107/4 = 26) for witness programs.
  size += witnessProgram(script) ? 32 + 4 + 1 + Math.floor(107 / WITNESS_SCALE_FACTOR) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeForSize(dustRelayFee, size);
}

export function isDust(out: { script: Uint8Array; value: bigint }, dustRelayFee = DUST_RELAY_TX_FEE): boolean {
  return out.value < getDustThreshold(out.script, dustRelayFee);
}

export interface StandardOptions {
  permitBareMultisig: boolean;
  /** Max OP_RETURN script size; 0 disables data carrier outputs (Core's -datacarrier=0). */
  maxDatacarrierBytes: number;
  dustRelayFee: bigint;
  /** Outputs an extension vouches for (bounded by its own rules and MAX_STANDARD_TX_WEIGHT). */
  exemptOutput?: (script: Uint8Array) => boolean;
}

export const DEFAULT_STANDARD_OPTIONS: StandardOptions = {
  permitBareMultisig: true,
  maxDatacarrierBytes: MAX_OP_RETURN_RELAY,
  dustRelayFee: DUST_RELAY_TX_FEE,
};

/** Core's IsStandardTx. Returns the reject reason or undefined. */
export function checkStandardTx(tx: Transaction, opts: StandardOptions = DEFAULT_STANDARD_OPTIONS): string | undefined {
  if (tx.version > TX_MAX_STANDARD_VERSION || tx.version < 1) return 'version';
  if (tx.weight() > MAX_STANDARD_TX_WEIGHT) return 'tx-size';
  for (const input of tx.ins) {
    // A 15-of-15 P2SH multisig with compressed keys needs at most 1650 bytes of scriptSig.
    if (input.script.length > MAX_STANDARD_SCRIPTSIG_SIZE) return 'scriptsig-size';
    if (!isPushOnly(input.script)) return 'scriptsig-not-pushonly';
  }
  let dataOut = 0;
  for (const out of tx.outs) {
    if (opts.exemptOutput?.(out.script)) continue;
    const type = scriptType(out.script);
    if (type === 'nonstandard') return 'scriptpubkey';
    // Bare multisig is standard only up to 3 keys (scriptType already checked 1 <= m <= n).
    if (type === 'multisig' && multisigKeyCount(out.script) > 3) return 'scriptpubkey';
    if (type === 'nulldata') {
      if (opts.maxDatacarrierBytes === 0 || out.script.length > opts.maxDatacarrierBytes) return 'scriptpubkey';
      dataOut++;
    } else if (type === 'multisig' && !opts.permitBareMultisig) {
      return 'bare-multisig';
    } else if (isDust(out, opts.dustRelayFee)) {
      return 'dust';
    }
  }
  if (dataOut > 1) return 'multi-op-return';
  return undefined;
}

/**
 * Core's AreInputsStandard: the spent scripts must be of a known type, and a P2SH redeem
 * script may hold at most 15 sigops. `prevScripts[i]` is the script input i spends.
 */
export function areInputsStandard(tx: Transaction, prevScripts: Uint8Array[]): boolean {
  if (tx.isCoinbase()) return true;
  for (let i = 0; i < tx.ins.length; i++) {
    const type = scriptType(prevScripts[i]);
    if (type === 'nonstandard' || type === 'witness_unknown') return false;
    if (type === 'scripthash') {
      const stack = pushOnlyStack(tx.ins[i].script);
      if (!stack || stack.length === 0) return false;
      if (scriptSigOpCount(stack[stack.length - 1], true) > MAX_P2SH_SIGOPS) return false;
    }
  }
  return true;
}

/** Core's IsWitnessStandard: limits on witness stacks that consensus allows but relay does not. */
export function isWitnessStandard(tx: Transaction, prevScripts: Uint8Array[]): boolean {
  if (tx.isCoinbase()) return true;
  for (let i = 0; i < tx.ins.length; i++) {
    const witness = tx.ins[i].witness;
    if (witness.length === 0) continue;
    let prev = prevScripts[i];
    let p2sh = false;
    if (isPayToScriptHash(prev)) {
      const stack = pushOnlyStack(tx.ins[i].script);
      if (!stack || stack.length === 0) return false;
      prev = stack[stack.length - 1];
      p2sh = true;
    }
    const wp = witnessProgram(prev);
    // Witness data on a non-witness input.
    if (!wp) return false;
    // Pay-to-anchor outputs must be spent with an empty witness.
    if (!p2sh && wp.version === 1 && wp.program.length === 2 && wp.program[0] === 0x4e && wp.program[1] === 0x73) return false;
    if (wp.version === 0 && wp.program.length === 32) {
      if (witness.length - 1 > MAX_STANDARD_P2WSH_STACK_ITEMS) return false;
      if (witness[witness.length - 1].length > MAX_STANDARD_P2WSH_SCRIPT_SIZE) return false;
      for (let j = 0; j < witness.length - 1; j++) {
        if (witness[j].length > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE) return false;
      }
    }
    if (wp.version === 1 && wp.program.length === 32 && !p2sh) {
      let stack = witness;
      if (stack.length >= 2 && stack[stack.length - 1].length > 0 && stack[stack.length - 1][0] === ANNEX_TAG) return false;
      if (stack.length >= 2) {
        const control = stack[stack.length - 1];
        if (control.length > 0 && (control[0] & TAPROOT_LEAF_MASK) === TAPROOT_LEAF_TAPSCRIPT) {
          stack = stack.slice(0, -2);
          if (stack.some((item) => item.length > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE)) return false;
        }
      } else if (stack.length === 0) {
        return false;
      }
    }
  }
  return true;
}

/** BIP125 signalling: some input has nSequence below 0xfffffffe. */
export function signalsOptInRbf(tx: Transaction): boolean {
  return tx.ins.some((input) => input.sequence >>> 0 < 0xfffffffe);
}
