// The script interpreter: Core's EvalScript (script/interpreter.cpp) for the base,
// witness v0 and tapscript (BIP342) sigversions. Errors are thrown as ScriptError with Core's
// code; the order of checks follows Core's so that the same script fails with the same error.
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { OP } from './opcodes.js';
import { readOp, findAndDelete, pushData } from './script.js';
import { decodeScriptNum, encodeScriptNum, castToBool } from './scriptnum.js';
import { sha256, hash256, hash160, ripemd160, sha1, bytesEqual } from './hashes.js';
import {
  isValidSignatureEncoding, parseDerLax, isLowS, isDefinedHashtypeSignature,
  isCompressedOrUncompressedPubKey, isCompressedPubKey,
} from './encoding.js';
import type { SignatureChecker, SigVersion, ExecutionData } from './checker.js';
import {
  SCRIPT_VERIFY_STRICTENC, SCRIPT_VERIFY_DERSIG, SCRIPT_VERIFY_LOW_S, SCRIPT_VERIFY_NULLDUMMY,
  SCRIPT_VERIFY_MINIMALDATA, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS, SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY,
  SCRIPT_VERIFY_CHECKSEQUENCEVERIFY, SCRIPT_VERIFY_MINIMALIF, SCRIPT_VERIFY_NULLFAIL,
  SCRIPT_VERIFY_WITNESS_PUBKEYTYPE, SCRIPT_VERIFY_CONST_SCRIPTCODE, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
} from './flags.js';

export const MAX_SCRIPT_ELEMENT_SIZE = 520;
export const MAX_OPS_PER_SCRIPT = 201;
export const MAX_PUBKEYS_PER_MULTISIG = 20;
export const MAX_SCRIPT_SIZE = 10_000;
export const MAX_STACK_SIZE = 1000;
export const VALIDATION_WEIGHT_PER_SIGOP_PASSED = 50;

const TRUE = Uint8Array.of(1);
const FALSE = new Uint8Array(0);
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 1n << 31n;

const DISABLED = new Set<number>([
  OP.OP_CAT, OP.OP_SUBSTR, OP.OP_LEFT, OP.OP_RIGHT, OP.OP_INVERT, OP.OP_AND, OP.OP_OR, OP.OP_XOR,
  OP.OP_2MUL, OP.OP_2DIV, OP.OP_MUL, OP.OP_DIV, OP.OP_MOD, OP.OP_LSHIFT, OP.OP_RSHIFT,
]);

function fail(code: ScriptErrorCode): never {
  throw new ScriptError(code);
}

/** Core's CheckMinimalPush: each push must use the shortest opcode for its data. */
export function checkMinimalPush(data: Uint8Array, opcode: number): boolean {
  if (data.length === 0) return opcode === OP.OP_0;
  if (data.length === 1 && data[0] >= 1 && data[0] <= 16) return false;
  if (data.length === 1 && data[0] === 0x81) return false;
  if (data.length <= 75) return opcode === data.length;
  if (data.length <= 255) return opcode === OP.OP_PUSHDATA1;
  if (data.length <= 65535) return opcode === OP.OP_PUSHDATA2;
  return true;
}

/** Core's CheckSignatureEncoding (ECDSA). */
function checkSignatureEncoding(sig: Uint8Array, flags: number): void {
  if (sig.length === 0) return;
  if (flags & (SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_STRICTENC) && !isValidSignatureEncoding(sig)) fail('SCRIPT_ERR_SIG_DER');
  if (flags & SCRIPT_VERIFY_LOW_S) {
    const compact = parseDerLax(sig.subarray(0, sig.length - 1));
    if (!compact || !isLowS(compact)) fail('SCRIPT_ERR_SIG_HIGH_S');
  }
  if (flags & SCRIPT_VERIFY_STRICTENC && !isDefinedHashtypeSignature(sig)) fail('SCRIPT_ERR_SIG_HASHTYPE');
}

function checkPubKeyEncoding(pubkey: Uint8Array, flags: number, sigversion: SigVersion): void {
  if (flags & SCRIPT_VERIFY_STRICTENC && !isCompressedOrUncompressedPubKey(pubkey)) fail('SCRIPT_ERR_PUBKEYTYPE');
  if (flags & SCRIPT_VERIFY_WITNESS_PUBKEYTYPE && sigversion === 'witness_v0' && !isCompressedPubKey(pubkey)) fail('SCRIPT_ERR_WITNESS_PUBKEYTYPE');
}

export function newExecutionData(): ExecutionData {
  return { codeSeparatorPos: 0xffffffff, validationWeightLeft: 0 };
}

/**
 * EvalScript: runs `script` on `stack` (mutated in place). Throws ScriptError on failure.
 * `exec` carries tapscript state (code separator position, validation weight budget).
 */
export function evalScript(
  stack: Uint8Array[],
  script: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
  exec: ExecutionData = newExecutionData(),
): void {
  const legacyLimits = sigversion === 'base' || sigversion === 'witness_v0';
  if (legacyLimits && script.length > MAX_SCRIPT_SIZE) fail('SCRIPT_ERR_SCRIPT_SIZE');
  const requireMinimal = (flags & SCRIPT_VERIFY_MINIMALDATA) !== 0;
  const altstack: Uint8Array[] = [];
  // vfExec as Core's ConditionStack: only the count of entries and the first false matter.
  let condDepth = 0;
  let firstFalse = -1;
  let opCount = 0;
  let codeHashBegin = 0;
  let opcodePos = 0;
  let pc = 0;

  const top = (i: number): Uint8Array => {
    if (stack.length + i < 0) fail('SCRIPT_ERR_INVALID_STACK_OPERATION');
    return stack[stack.length + i];
  };
  const need = (n: number) => {
    if (stack.length < n) fail('SCRIPT_ERR_INVALID_STACK_OPERATION');
  };
  const num = (v: Uint8Array, maxSize = 4) => decodeScriptNum(v, requireMinimal, maxSize);
  const bool = (b: boolean) => (b ? TRUE : FALSE);

  const checkSig = (sig: Uint8Array, pubkey: Uint8Array): boolean => {
    if (sigversion === 'tapscript') {
      const success = sig.length > 0;
      if (success) {
        exec.validationWeightLeft -= VALIDATION_WEIGHT_PER_SIGOP_PASSED;
        if (exec.validationWeightLeft < 0) fail('SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT');
      }
      if (pubkey.length === 0) fail('SCRIPT_ERR_TAPSCRIPT_EMPTY_PUBKEY');
      if (pubkey.length === 32) {
        if (success) checker.checkSchnorrSignature(sig, pubkey, sigversion, exec);
      } else if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
        fail('SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE');
      }
      return success;
    }
    let scriptCode = script.subarray(codeHashBegin);
    if (sigversion === 'base') {
      const r = findAndDelete(scriptCode, pushData(sig));
      if (r.found > 0 && flags & SCRIPT_VERIFY_CONST_SCRIPTCODE) fail('SCRIPT_ERR_SIG_FINDANDDELETE');
      scriptCode = r.script;
    }
    checkSignatureEncoding(sig, flags);
    checkPubKeyEncoding(pubkey, flags, sigversion);
    const ok = checker.checkECDSASignature(sig, pubkey, scriptCode, sigversion);
    if (!ok && flags & SCRIPT_VERIFY_NULLFAIL && sig.length) fail('SCRIPT_ERR_SIG_NULLFAIL');
    return ok;
  };

  for (; pc < script.length; opcodePos++) {
    const fExec = firstFalse === -1;
    const op = readOp(script, pc);
    if (!op) fail('SCRIPT_ERR_BAD_OPCODE');
    pc = op.end;
    const opcode = op.opcode;
    if (op.data && op.data.length > MAX_SCRIPT_ELEMENT_SIZE) fail('SCRIPT_ERR_PUSH_SIZE');
    // OP_RESERVED (0x50) does not count towards the opcode limit.
    if (legacyLimits && opcode > OP.OP_16 && ++opCount > MAX_OPS_PER_SCRIPT) fail('SCRIPT_ERR_OP_COUNT');
    if (DISABLED.has(opcode)) fail('SCRIPT_ERR_DISABLED_OPCODE');
    // Even unexecuted, OP_CODESEPARATOR in a non-segwit script is rejected under CONST_SCRIPTCODE.
    if (opcode === OP.OP_CODESEPARATOR && sigversion === 'base' && flags & SCRIPT_VERIFY_CONST_SCRIPTCODE) fail('SCRIPT_ERR_OP_CODESEPARATOR');

    if (fExec && opcode <= OP.OP_PUSHDATA4) {
      const data = op.data!;
      if (requireMinimal && !checkMinimalPush(data, opcode)) fail('SCRIPT_ERR_MINIMALDATA');
      stack.push(data);
    } else if (fExec || (OP.OP_IF <= opcode && opcode <= OP.OP_ENDIF)) {
      switch (opcode) {
        case OP.OP_1NEGATE: case OP.OP_1: case OP.OP_2: case OP.OP_3: case OP.OP_4: case OP.OP_5:
        case OP.OP_6: case OP.OP_7: case OP.OP_8: case OP.OP_9: case OP.OP_10: case OP.OP_11:
        case OP.OP_12: case OP.OP_13: case OP.OP_14: case OP.OP_15: case OP.OP_16:
          stack.push(encodeScriptNum(BigInt(opcode - (OP.OP_1 - 1))));
          break;

        case OP.OP_NOP:
          break;

        case OP.OP_CHECKLOCKTIMEVERIFY: {
          // Not enabled: a plain NOP2 (Core does not apply DISCOURAGE_UPGRADABLE_NOPS here).
          if (!(flags & SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY)) break;
          need(1);
          // 5-byte operand: lock times reach 2^32-1, beyond the 4-byte arithmetic range.
          const lockTime = num(top(-1), 5);
          if (lockTime < 0n) fail('SCRIPT_ERR_NEGATIVE_LOCKTIME');
          if (!checker.checkLockTime(lockTime)) fail('SCRIPT_ERR_UNSATISFIED_LOCKTIME');
          break;
        }

        case OP.OP_CHECKSEQUENCEVERIFY: {
          if (!(flags & SCRIPT_VERIFY_CHECKSEQUENCEVERIFY)) break; // a plain NOP3
          need(1);
          const sequence = num(top(-1), 5);
          if (sequence < 0n) fail('SCRIPT_ERR_NEGATIVE_LOCKTIME');
          // The disable flag makes the operand a NOP (room for future soft forks).
          if (sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG) break;
          if (!checker.checkSequence(sequence)) fail('SCRIPT_ERR_UNSATISFIED_LOCKTIME');
          break;
        }

        case OP.OP_NOP1: case OP.OP_NOP4: case OP.OP_NOP5: case OP.OP_NOP6: case OP.OP_NOP7:
        case OP.OP_NOP8: case OP.OP_NOP9: case OP.OP_NOP10:
          if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS) fail('SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS');
          break;

        case OP.OP_IF: case OP.OP_NOTIF: {
          let value = false;
          if (fExec) {
            // Current Core (and its script_tests.json) report a missing operand as a stack error.
            if (stack.length < 1) fail('SCRIPT_ERR_INVALID_STACK_OPERATION');
            const v = top(-1);
            // Minimal IF is consensus in tapscript, policy (MINIMALIF) in witness v0.
            if (sigversion === 'tapscript' && (v.length > 1 || (v.length === 1 && v[0] !== 1))) fail('SCRIPT_ERR_TAPSCRIPT_MINIMALIF');
            if (sigversion === 'witness_v0' && flags & SCRIPT_VERIFY_MINIMALIF && (v.length > 1 || (v.length === 1 && v[0] !== 1))) fail('SCRIPT_ERR_MINIMALIF');
            value = castToBool(v);
            if (opcode === OP.OP_NOTIF) value = !value;
            stack.pop();
          }
          if (!value && firstFalse === -1) firstFalse = condDepth;
          condDepth++;
          break;
        }

        case OP.OP_ELSE:
          if (condDepth === 0) fail('SCRIPT_ERR_UNBALANCED_CONDITIONAL');
          // Toggle the top entry: it becomes false if it was the only true-run, or true if it was the first false.
          if (firstFalse === -1) firstFalse = condDepth - 1;
          else if (firstFalse === condDepth - 1) firstFalse = -1;
          break;

        case OP.OP_ENDIF:
          if (condDepth === 0) fail('SCRIPT_ERR_UNBALANCED_CONDITIONAL');
          condDepth--;
          if (firstFalse === condDepth) firstFalse = -1;
          break;

        case OP.OP_VERIFY:
          need(1);
          if (!castToBool(top(-1))) fail('SCRIPT_ERR_VERIFY');
          stack.pop();
          break;

        case OP.OP_RETURN:
          fail('SCRIPT_ERR_OP_RETURN');

        case OP.OP_TOALTSTACK:
          need(1);
          altstack.push(stack.pop()!);
          break;

        case OP.OP_FROMALTSTACK:
          if (altstack.length < 1) fail('SCRIPT_ERR_INVALID_ALTSTACK_OPERATION');
          stack.push(altstack.pop()!);
          break;

        case OP.OP_2DROP:
          need(2);
          stack.length -= 2;
          break;

        case OP.OP_2DUP: {
          need(2);
          const a = top(-2), b = top(-1);
          stack.push(a, b);
          break;
        }

        case OP.OP_3DUP: {
          need(3);
          const a = top(-3), b = top(-2), c = top(-1);
          stack.push(a, b, c);
          break;
        }

        case OP.OP_2OVER: {
          need(4);
          const a = top(-4), b = top(-3);
          stack.push(a, b);
          break;
        }

        case OP.OP_2ROT: {
          need(6);
          const [a, b] = stack.splice(stack.length - 6, 2);
          stack.push(a, b);
          break;
        }

        case OP.OP_2SWAP: {
          need(4);
          const [a, b] = stack.splice(stack.length - 4, 2);
          stack.push(a, b);
          break;
        }

        case OP.OP_IFDUP: {
          need(1);
          const v = top(-1);
          if (castToBool(v)) stack.push(v);
          break;
        }

        case OP.OP_DEPTH:
          stack.push(encodeScriptNum(BigInt(stack.length)));
          break;

        case OP.OP_DROP:
          need(1);
          stack.pop();
          break;

        case OP.OP_DUP:
          need(1);
          stack.push(top(-1));
          break;

        case OP.OP_NIP:
          need(2);
          stack.splice(stack.length - 2, 1);
          break;

        case OP.OP_OVER:
          need(2);
          stack.push(top(-2));
          break;

        case OP.OP_PICK: case OP.OP_ROLL: {
          need(2);
          const n = num(top(-1));
          stack.pop();
          if (n < 0n || n >= BigInt(stack.length)) fail('SCRIPT_ERR_INVALID_STACK_OPERATION');
          const idx = stack.length - 1 - Number(n);
          const v = stack[idx];
          if (opcode === OP.OP_ROLL) stack.splice(idx, 1);
          stack.push(v);
          break;
        }

        case OP.OP_ROT: {
          need(3);
          const [a] = stack.splice(stack.length - 3, 1);
          stack.push(a);
          break;
        }

        case OP.OP_SWAP: {
          need(2);
          const a = stack[stack.length - 2];
          stack[stack.length - 2] = stack[stack.length - 1];
          stack[stack.length - 1] = a;
          break;
        }

        case OP.OP_TUCK: {
          need(2);
          stack.splice(stack.length - 2, 0, top(-1));
          break;
        }

        case OP.OP_SIZE:
          need(1);
          stack.push(encodeScriptNum(BigInt(top(-1).length)));
          break;

        case OP.OP_EQUAL: case OP.OP_EQUALVERIFY: {
          need(2);
          const equal = bytesEqual(top(-2), top(-1));
          stack.length -= 2;
          stack.push(bool(equal));
          if (opcode === OP.OP_EQUALVERIFY) {
            if (!equal) fail('SCRIPT_ERR_EQUALVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_1ADD: case OP.OP_1SUB: case OP.OP_NEGATE: case OP.OP_ABS: case OP.OP_NOT: case OP.OP_0NOTEQUAL: {
          need(1);
          let bn = num(top(-1));
          switch (opcode) {
            case OP.OP_1ADD: bn += 1n; break;
            case OP.OP_1SUB: bn -= 1n; break;
            case OP.OP_NEGATE: bn = -bn; break;
            case OP.OP_ABS: if (bn < 0n) bn = -bn; break;
            case OP.OP_NOT: bn = bn === 0n ? 1n : 0n; break;
            case OP.OP_0NOTEQUAL: bn = bn !== 0n ? 1n : 0n; break;
          }
          stack.pop();
          stack.push(encodeScriptNum(bn));
          break;
        }

        case OP.OP_ADD: case OP.OP_SUB: case OP.OP_BOOLAND: case OP.OP_BOOLOR: case OP.OP_NUMEQUAL:
        case OP.OP_NUMEQUALVERIFY: case OP.OP_NUMNOTEQUAL: case OP.OP_LESSTHAN: case OP.OP_GREATERTHAN:
        case OP.OP_LESSTHANOREQUAL: case OP.OP_GREATERTHANOREQUAL: case OP.OP_MIN: case OP.OP_MAX: {
          need(2);
          const a = num(top(-2));
          const b = num(top(-1));
          let r: bigint;
          switch (opcode) {
            case OP.OP_ADD: r = a + b; break;
            case OP.OP_SUB: r = a - b; break;
            case OP.OP_BOOLAND: r = a !== 0n && b !== 0n ? 1n : 0n; break;
            case OP.OP_BOOLOR: r = a !== 0n || b !== 0n ? 1n : 0n; break;
            case OP.OP_NUMEQUAL: case OP.OP_NUMEQUALVERIFY: r = a === b ? 1n : 0n; break;
            case OP.OP_NUMNOTEQUAL: r = a !== b ? 1n : 0n; break;
            case OP.OP_LESSTHAN: r = a < b ? 1n : 0n; break;
            case OP.OP_GREATERTHAN: r = a > b ? 1n : 0n; break;
            case OP.OP_LESSTHANOREQUAL: r = a <= b ? 1n : 0n; break;
            case OP.OP_GREATERTHANOREQUAL: r = a >= b ? 1n : 0n; break;
            case OP.OP_MIN: r = a < b ? a : b; break;
            default: r = a > b ? a : b; break;
          }
          stack.length -= 2;
          stack.push(encodeScriptNum(r));
          if (opcode === OP.OP_NUMEQUALVERIFY) {
            if (r === 0n) fail('SCRIPT_ERR_NUMEQUALVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_WITHIN: {
          need(3);
          const x = num(top(-3)), lo = num(top(-2)), hi = num(top(-1));
          stack.length -= 3;
          stack.push(bool(lo <= x && x < hi));
          break;
        }

        case OP.OP_RIPEMD160: case OP.OP_SHA1: case OP.OP_SHA256: case OP.OP_HASH160: case OP.OP_HASH256: {
          need(1);
          const v = top(-1);
          const h =
            opcode === OP.OP_RIPEMD160 ? ripemd160(v) :
            opcode === OP.OP_SHA1 ? sha1(v) :
            opcode === OP.OP_SHA256 ? sha256(v) :
            opcode === OP.OP_HASH160 ? hash160(v) : hash256(v);
          stack.pop();
          stack.push(h);
          break;
        }

        case OP.OP_CODESEPARATOR:
          // Signatures cover the script from just after the last executed OP_CODESEPARATOR.
          codeHashBegin = pc;
          exec.codeSeparatorPos = opcodePos;
          break;

        case OP.OP_CHECKSIG: case OP.OP_CHECKSIGVERIFY: {
          need(2);
          const ok = checkSig(top(-2), top(-1));
          stack.length -= 2;
          stack.push(bool(ok));
          if (opcode === OP.OP_CHECKSIGVERIFY) {
            if (!ok) fail('SCRIPT_ERR_CHECKSIGVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_CHECKSIGADD: {
          if (legacyLimits) fail('SCRIPT_ERR_BAD_OPCODE');
          need(3);
          const sig = top(-3);
          const n = num(top(-2));
          const pubkey = top(-1);
          const ok = checkSig(sig, pubkey);
          stack.length -= 3;
          stack.push(encodeScriptNum(n + (ok ? 1n : 0n)));
          break;
        }

        case OP.OP_CHECKMULTISIG: case OP.OP_CHECKMULTISIGVERIFY: {
          if (sigversion === 'tapscript') fail('SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG');
          let i = 1;
          need(i);
          let keysCount = Number(num(top(-i)));
          if (keysCount < 0 || keysCount > MAX_PUBKEYS_PER_MULTISIG) fail('SCRIPT_ERR_PUBKEY_COUNT');
          opCount += keysCount;
          if (opCount > MAX_OPS_PER_SCRIPT) fail('SCRIPT_ERR_OP_COUNT');
          let ikey = ++i;
          // ikey2: position of the last non-signature item (for NULLFAIL on cleanup).
          let ikey2 = keysCount + 2;
          i += keysCount;
          need(i);
          let sigsCount = Number(num(top(-i)));
          if (sigsCount < 0 || sigsCount > keysCount) fail('SCRIPT_ERR_SIG_COUNT');
          let isig = ++i;
          i += sigsCount;
          need(i);

          let scriptCode = script.subarray(codeHashBegin);
          for (let k = 0; k < sigsCount; k++) {
            const sig = top(-isig - k);
            if (sigversion === 'base') {
              const r = findAndDelete(scriptCode, pushData(sig));
              if (r.found > 0 && flags & SCRIPT_VERIFY_CONST_SCRIPTCODE) fail('SCRIPT_ERR_SIG_FINDANDDELETE');
              scriptCode = r.script;
            }
          }

          let success = true;
          while (success && sigsCount > 0) {
            const sig = top(-isig);
            const pubkey = top(-ikey);
            checkSignatureEncoding(sig, flags);
            checkPubKeyEncoding(pubkey, flags, sigversion);
            const ok = checker.checkECDSASignature(sig, pubkey, scriptCode, sigversion);
            if (ok) {
              isig++;
              sigsCount--;
            }
            ikey++;
            keysCount--;
            // More signatures left than keys: cannot succeed any more.
            if (sigsCount > keysCount) success = false;
          }

          while (i-- > 1) {
            if (!success && flags & SCRIPT_VERIFY_NULLFAIL && !ikey2 && top(-1).length) fail('SCRIPT_ERR_SIG_NULLFAIL');
            if (ikey2 > 0) ikey2--;
            stack.pop();
          }
          // The historical off-by-one: one extra element is consumed (BIP147 makes it NULLDUMMY).
          need(1);
          if (flags & SCRIPT_VERIFY_NULLDUMMY && top(-1).length) fail('SCRIPT_ERR_SIG_NULLDUMMY');
          stack.pop();
          stack.push(bool(success));
          if (opcode === OP.OP_CHECKMULTISIGVERIFY) {
            if (!success) fail('SCRIPT_ERR_CHECKMULTISIGVERIFY');
            stack.pop();
          }
          break;
        }

        default:
          fail('SCRIPT_ERR_BAD_OPCODE');
      }
    }

    if (stack.length + altstack.length > MAX_STACK_SIZE) fail('SCRIPT_ERR_STACK_SIZE');
  }

  if (condDepth !== 0) fail('SCRIPT_ERR_UNBALANCED_CONDITIONAL');
}
