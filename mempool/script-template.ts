// Script helpers relay policy needs on top of chain/address.ts (which owns parsing and
// Core's Solver classification): push-only checks, the stack a push-only scriptSig leaves,
// legacy sigop counting of a redeem script, and a bare multisig's key count.
import { parseScript, scriptType, witnessProgram } from '../chain/address.js';

export { scriptType, witnessProgram };

const OP_1NEGATE = 0x4f;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_CHECKSIG = 0xac;
const OP_CHECKSIGVERIFY = 0xad;
const OP_CHECKMULTISIG = 0xae;
const OP_CHECKMULTISIGVERIFY = 0xaf;
export const OP_RETURN = 0x6a;
const OP_HASH160 = 0xa9;
const OP_EQUAL = 0x87;

/** Core's MAX_SCRIPT_SIZE: larger scripts are unspendable. */
export const MAX_SCRIPT_SIZE = 10_000;

/** Core's CScript::IsPushOnly: every op is a push or OP_1NEGATE..OP_16 (OP_RESERVED included, as Core). */
export function isPushOnly(script: Uint8Array): boolean {
  const { ops, error } = parseScript(script);
  return !error && ops.every((op) => op.opcode <= OP_16);
}

export function isPayToScriptHash(s: Uint8Array): boolean {
  return s.length === 23 && s[0] === OP_HASH160 && s[1] === 0x14 && s[22] === OP_EQUAL;
}

/** Key count n of a bare multisig script already classified 'multisig'. */
export function multisigKeyCount(script: Uint8Array): number {
  const { ops } = parseScript(script);
  return ops[ops.length - 2].opcode - (OP_1 - 1);
}

/** Core's CScript::GetSigOpCount(fAccurate): legacy sigop counting over one script. */
export function scriptSigOpCount(script: Uint8Array, accurate: boolean): number {
  let n = 0;
  let last = 0xff;
  // Counting stops at the first malformed push, as Core's loop does.
  for (const op of parseScript(script).ops) {
    if (op.opcode === OP_CHECKSIG || op.opcode === OP_CHECKSIGVERIFY) n += 1;
    else if (op.opcode === OP_CHECKMULTISIG || op.opcode === OP_CHECKMULTISIGVERIFY) {
      n += accurate && last >= OP_1 && last <= OP_16 ? last - (OP_1 - 1) : 20;
    }
    last = op.opcode;
  }
  return n;
}

/** Items a push-only scriptSig leaves on the stack (Core's EvalScript, pushes only). */
export function pushOnlyStack(scriptSig: Uint8Array): Uint8Array[] | undefined {
  const { ops, error } = parseScript(scriptSig);
  if (error) return undefined;
  const stack: Uint8Array[] = [];
  for (const op of ops) {
    if (op.data) stack.push(op.data);
    else if (op.opcode === OP_1NEGATE) stack.push(Uint8Array.of(0x81));
    else if (op.opcode >= OP_1 && op.opcode <= OP_16) stack.push(Uint8Array.of(op.opcode - (OP_1 - 1)));
    else return undefined; // OP_RESERVED fails evaluation
  }
  return stack;
}
