// VerifyScript: scriptSig + scriptPubKey, P2SH (BIP16), segwit v0 (BIP141/143) and taproot
// (BIP341 key and script path, BIP342 tapscript), in Core's order of checks.
import * as ecc from 'tiny-secp256k1';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { evalScript, newExecutionData, MAX_SCRIPT_ELEMENT_SIZE, MAX_STACK_SIZE } from './interpreter.js';
import { isPushOnly, isPayToScriptHash, witnessProgram, isPayToAnchor, pushData, readOp } from './script.js';
import { castToBool } from './scriptnum.js';
import { sha256, taggedHash, bytesEqual } from './hashes.js';
import { isOpSuccess, OP } from './opcodes.js';
import { ByteWriter, compactSizeLength } from './writer.js';
import type { SignatureChecker, SigVersion, ExecutionData } from './checker.js';
import {
  SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_SIGPUSHONLY, SCRIPT_VERIFY_WITNESS, SCRIPT_VERIFY_CLEANSTACK,
  SCRIPT_VERIFY_TAPROOT, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM,
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION, SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS,
} from './flags.js';

const ANNEX_TAG = 0x50;
const TAPROOT_LEAF_MASK = 0xfe;
export const TAPROOT_LEAF_TAPSCRIPT = 0xc0;
const TAPROOT_CONTROL_BASE_SIZE = 33;
const TAPROOT_CONTROL_NODE_SIZE = 32;
const TAPROOT_CONTROL_MAX_SIZE = TAPROOT_CONTROL_BASE_SIZE + TAPROOT_CONTROL_NODE_SIZE * 128;
const VALIDATION_WEIGHT_OFFSET = 50;

function fail(code: ScriptErrorCode): never {
  throw new ScriptError(code);
}

export function tapleafHash(leafVersion: number, script: Uint8Array): Uint8Array {
  return taggedHash('TapLeaf', Uint8Array.of(leafVersion), new ByteWriter().varBytes(script).finish());
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** BIP341: walk the Merkle path from the leaf and check the output key commits to it. */
function verifyTaprootCommitment(control: Uint8Array, program: Uint8Array, leafHash: Uint8Array): boolean {
  const pathLen = (control.length - TAPROOT_CONTROL_BASE_SIZE) / TAPROOT_CONTROL_NODE_SIZE;
  const internalKey = control.subarray(1, 33);
  let k = leafHash;
  for (let i = 0; i < pathLen; i++) {
    const node = control.subarray(33 + 32 * i, 65 + 32 * i);
    k = compareBytes(k, node) < 0 ? taggedHash('TapBranch', k, node) : taggedHash('TapBranch', node, k);
  }
  const tweak = taggedHash('TapTweak', internalKey, k);
  try {
    return ecc.xOnlyPointAddTweakCheck(internalKey, tweak, program, (control[0] & 1) as 0 | 1);
  } catch {
    return false; // internal key not on the curve, or tweak out of range
  }
}

function witnessSerializedSize(witness: Uint8Array[]): number {
  let n = compactSizeLength(witness.length);
  for (const w of witness) n += compactSizeLength(w.length) + w.length;
  return n;
}

function executeWitnessScript(stackIn: Uint8Array[], script: Uint8Array, flags: number, sigversion: SigVersion, checker: SignatureChecker, exec: ExecutionData): void {
  const stack = stackIn.slice();
  if (sigversion === 'tapscript') {
    // OP_SUCCESSx overrides everything, even the element size limits below.
    let pc = 0;
    while (pc < script.length) {
      const op = readOp(script, pc);
      if (!op) fail('SCRIPT_ERR_BAD_OPCODE');
      if (isOpSuccess(op.opcode)) {
        if (flags & SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS) fail('SCRIPT_ERR_DISCOURAGE_OP_SUCCESS');
        return;
      }
      pc = op.end;
    }
    if (stack.length > MAX_STACK_SIZE) fail('SCRIPT_ERR_STACK_SIZE');
  }
  for (const elem of stack) if (elem.length > MAX_SCRIPT_ELEMENT_SIZE) fail('SCRIPT_ERR_PUSH_SIZE');
  evalScript(stack, script, flags, checker, sigversion, exec);
  // Witness scripts implicitly require a clean stack.
  if (stack.length !== 1) fail('SCRIPT_ERR_CLEANSTACK');
  if (!castToBool(stack[0])) fail('SCRIPT_ERR_EVAL_FALSE');
}

function verifyWitnessProgram(witness: Uint8Array[], version: number, program: Uint8Array, flags: number, checker: SignatureChecker, isP2SH: boolean): void {
  const exec = newExecutionData();
  if (version === 0) {
    if (program.length === 32) {
      if (witness.length === 0) fail('SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY');
      const script = witness[witness.length - 1];
      if (!bytesEqual(sha256(script), program)) fail('SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH');
      executeWitnessScript(witness.slice(0, -1), script, flags, 'witness_v0', checker, exec);
      return;
    }
    if (program.length === 20) {
      if (witness.length !== 2) fail('SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH');
      const script = new Uint8Array(25);
      script.set([OP.OP_DUP, OP.OP_HASH160, 0x14], 0);
      script.set(program, 3);
      script.set([OP.OP_EQUALVERIFY, OP.OP_CHECKSIG], 23);
      executeWitnessScript(witness, script, flags, 'witness_v0', checker, exec);
      return;
    }
    fail('SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH');
  }
  if (version === 1 && program.length === 32 && !isP2SH) {
    if (!(flags & SCRIPT_VERIFY_TAPROOT)) return;
    let stack = witness;
    if (stack.length === 0) fail('SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY');
    const last = stack[stack.length - 1];
    if (stack.length >= 2 && last.length > 0 && last[0] === ANNEX_TAG) {
      exec.annexHash = sha256(new ByteWriter().varBytes(last).finish());
      stack = stack.slice(0, -1);
    }
    if (stack.length === 1) {
      checker.checkSchnorrSignature(stack[0], program, 'taproot', exec);
      return;
    }
    const control = stack[stack.length - 1];
    const script = stack[stack.length - 2];
    stack = stack.slice(0, -2);
    if (control.length < TAPROOT_CONTROL_BASE_SIZE || control.length > TAPROOT_CONTROL_MAX_SIZE || (control.length - TAPROOT_CONTROL_BASE_SIZE) % TAPROOT_CONTROL_NODE_SIZE !== 0) {
      fail('SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE');
    }
    exec.tapleafHash = tapleafHash(control[0] & TAPROOT_LEAF_MASK, script);
    if (!verifyTaprootCommitment(control, program, exec.tapleafHash)) fail('SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH');
    if ((control[0] & TAPROOT_LEAF_MASK) === TAPROOT_LEAF_TAPSCRIPT) {
      // Signature checks are budgeted by the witness size (BIP342 sigops limit).
      exec.validationWeightLeft = witnessSerializedSize(witness) + VALIDATION_WEIGHT_OFFSET;
      executeWitnessScript(stack, script, flags, 'tapscript', checker, exec);
      return;
    }
    if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION) fail('SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION');
    return;
  }
  if (!isP2SH && isPayToAnchor(version, program)) return;
  if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) fail('SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM');
  // Other versions and sizes stay spendable by anyone until a soft fork gives them meaning.
}

/**
 * Core's VerifyScript. Throws ScriptError on failure. As in Core, flag combinations must be
 * consistent: CLEANSTACK needs P2SH and WITNESS, WITNESS needs P2SH (an Error is thrown otherwise).
 */
export function verifyScript(scriptSig: Uint8Array, scriptPubKey: Uint8Array, witness: Uint8Array[], flags: number, checker: SignatureChecker): void {
  if (flags & SCRIPT_VERIFY_CLEANSTACK && (!(flags & SCRIPT_VERIFY_P2SH) || !(flags & SCRIPT_VERIFY_WITNESS))) {
    throw new Error('CLEANSTACK requires P2SH and WITNESS');
  }
  if (flags & SCRIPT_VERIFY_WITNESS && !(flags & SCRIPT_VERIFY_P2SH)) throw new Error('WITNESS requires P2SH');
  if (flags & SCRIPT_VERIFY_SIGPUSHONLY && !isPushOnly(scriptSig)) fail('SCRIPT_ERR_SIG_PUSHONLY');

  let hadWitness = false;
  let stack: Uint8Array[] = [];
  evalScript(stack, scriptSig, flags, checker, 'base');
  const stackCopy = flags & SCRIPT_VERIFY_P2SH ? stack.slice() : [];
  evalScript(stack, scriptPubKey, flags, checker, 'base');
  if (stack.length === 0 || !castToBool(stack[stack.length - 1])) fail('SCRIPT_ERR_EVAL_FALSE');

  if (flags & SCRIPT_VERIFY_WITNESS) {
    const wp = witnessProgram(scriptPubKey);
    if (wp) {
      hadWitness = true;
      if (scriptSig.length !== 0) fail('SCRIPT_ERR_WITNESS_MALLEATED');
      verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, false);
      // The real stack of a witness program is not clean; skip CLEANSTACK for it.
      stack = stack.slice(0, 1);
    }
  }

  if (flags & SCRIPT_VERIFY_P2SH && isPayToScriptHash(scriptPubKey)) {
    if (!isPushOnly(scriptSig)) fail('SCRIPT_ERR_SIG_PUSHONLY');
    stack = stackCopy;
    // Not empty: HASH160 <h> EQUAL on an empty stack would have failed above.
    const redeemScript = stack.pop()!;
    evalScript(stack, redeemScript, flags, checker, 'base');
    if (stack.length === 0 || !castToBool(stack[stack.length - 1])) fail('SCRIPT_ERR_EVAL_FALSE');
    if (flags & SCRIPT_VERIFY_WITNESS) {
      const wp = witnessProgram(redeemScript);
      if (wp) {
        hadWitness = true;
        // The scriptSig must be exactly one push of the redeem script: anything else is malleable.
        if (!bytesEqual(scriptSig, pushData(redeemScript))) fail('SCRIPT_ERR_WITNESS_MALLEATED_P2SH');
        verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, true);
        stack = stack.slice(0, 1);
      }
    }
  }

  if (flags & SCRIPT_VERIFY_CLEANSTACK && stack.length !== 1) fail('SCRIPT_ERR_CLEANSTACK');
  if (flags & SCRIPT_VERIFY_WITNESS && !hadWitness && witness.length > 0) fail('SCRIPT_ERR_WITNESS_UNEXPECTED');
}
