// Script verification flags with Bitcoin Core's bit values (script/interpreter.h), so that
// flag sets written in Core's test vectors and in Core's policy carry over unchanged.
import type { NetworkParams } from '../params.js';

export const SCRIPT_VERIFY_NONE = 0;
export const SCRIPT_VERIFY_P2SH = 1 << 0;
export const SCRIPT_VERIFY_STRICTENC = 1 << 1;
export const SCRIPT_VERIFY_DERSIG = 1 << 2;
export const SCRIPT_VERIFY_LOW_S = 1 << 3;
export const SCRIPT_VERIFY_NULLDUMMY = 1 << 4;
export const SCRIPT_VERIFY_SIGPUSHONLY = 1 << 5;
export const SCRIPT_VERIFY_MINIMALDATA = 1 << 6;
export const SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS = 1 << 7;
export const SCRIPT_VERIFY_CLEANSTACK = 1 << 8;
export const SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY = 1 << 9;
export const SCRIPT_VERIFY_CHECKSEQUENCEVERIFY = 1 << 10;
export const SCRIPT_VERIFY_WITNESS = 1 << 11;
export const SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = 1 << 12;
export const SCRIPT_VERIFY_MINIMALIF = 1 << 13;
export const SCRIPT_VERIFY_NULLFAIL = 1 << 14;
export const SCRIPT_VERIFY_WITNESS_PUBKEYTYPE = 1 << 15;
export const SCRIPT_VERIFY_CONST_SCRIPTCODE = 1 << 16;
export const SCRIPT_VERIFY_TAPROOT = 1 << 17;
export const SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = 1 << 18;
export const SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS = 1 << 19;
export const SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE = 1 << 20;

/** Names as Core's test vectors spell them (FormatScriptFlags / ParseScriptFlags). */
export const SCRIPT_FLAG_NAMES: Readonly<Record<string, number>> = {
  NONE: SCRIPT_VERIFY_NONE,
  P2SH: SCRIPT_VERIFY_P2SH,
  STRICTENC: SCRIPT_VERIFY_STRICTENC,
  DERSIG: SCRIPT_VERIFY_DERSIG,
  LOW_S: SCRIPT_VERIFY_LOW_S,
  NULLDUMMY: SCRIPT_VERIFY_NULLDUMMY,
  SIGPUSHONLY: SCRIPT_VERIFY_SIGPUSHONLY,
  MINIMALDATA: SCRIPT_VERIFY_MINIMALDATA,
  DISCOURAGE_UPGRADABLE_NOPS: SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS,
  CLEANSTACK: SCRIPT_VERIFY_CLEANSTACK,
  CHECKLOCKTIMEVERIFY: SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY,
  CHECKSEQUENCEVERIFY: SCRIPT_VERIFY_CHECKSEQUENCEVERIFY,
  WITNESS: SCRIPT_VERIFY_WITNESS,
  DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM,
  MINIMALIF: SCRIPT_VERIFY_MINIMALIF,
  NULLFAIL: SCRIPT_VERIFY_NULLFAIL,
  WITNESS_PUBKEYTYPE: SCRIPT_VERIFY_WITNESS_PUBKEYTYPE,
  CONST_SCRIPTCODE: SCRIPT_VERIFY_CONST_SCRIPTCODE,
  TAPROOT: SCRIPT_VERIFY_TAPROOT,
  DISCOURAGE_UPGRADABLE_TAPROOT_VERSION: SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
  DISCOURAGE_OP_SUCCESS: SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS,
  DISCOURAGE_UPGRADABLE_PUBKEYTYPE: SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
};

/** Every flag Core knows; "all flags except X" in tx_valid.json is taken against this set. */
export const ALL_SCRIPT_VERIFY_FLAGS = Object.values(SCRIPT_FLAG_NAMES).reduce((a, b) => a | b, 0);

/** Parses Core's comma-separated flag names ("P2SH,WITNESS"; "" and "NONE" are 0). */
export function parseScriptFlags(text: string): number {
  let flags = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    const bit = SCRIPT_FLAG_NAMES[name];
    if (bit === undefined) throw new Error(`unknown script verify flag: ${name}`);
    flags |= bit;
  }
  return flags;
}

/**
 * Core's MANDATORY_SCRIPT_VERIFY_FLAGS (policy/policy.h): every soft fork's consensus flags.
 * A transaction that fails under these is invalid ("mandatory-script-verify-flag-failed");
 * one that fails only with the rest of the standard flags is non-standard
 * ("non-mandatory-script-verify-flag"). P2SH alone (as in Core before 0.21) would misreport a
 * bad segwit signature as non-mandatory, because the retry without WITNESS would pass.
 */
export const MANDATORY_SCRIPT_VERIFY_FLAGS =
  SCRIPT_VERIFY_P2SH |
  SCRIPT_VERIFY_DERSIG |
  SCRIPT_VERIFY_NULLDUMMY |
  SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY |
  SCRIPT_VERIFY_CHECKSEQUENCEVERIFY |
  SCRIPT_VERIFY_WITNESS |
  SCRIPT_VERIFY_TAPROOT;

/** Core's STANDARD_SCRIPT_VERIFY_FLAGS (policy/policy.h): what the mempool enforces. */
export const STANDARD_SCRIPT_VERIFY_FLAGS =
  MANDATORY_SCRIPT_VERIFY_FLAGS |
  SCRIPT_VERIFY_DERSIG |
  SCRIPT_VERIFY_STRICTENC |
  SCRIPT_VERIFY_MINIMALDATA |
  SCRIPT_VERIFY_NULLDUMMY |
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS |
  SCRIPT_VERIFY_CLEANSTACK |
  SCRIPT_VERIFY_MINIMALIF |
  SCRIPT_VERIFY_NULLFAIL |
  SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY |
  SCRIPT_VERIFY_CHECKSEQUENCEVERIFY |
  SCRIPT_VERIFY_LOW_S |
  SCRIPT_VERIFY_WITNESS |
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
  SCRIPT_VERIFY_WITNESS_PUBKEYTYPE |
  SCRIPT_VERIFY_CONST_SCRIPTCODE |
  SCRIPT_VERIFY_TAPROOT |
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION |
  SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS |
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;

/** Core's STANDARD_NOT_MANDATORY_VERIFY_FLAGS: dropped for the mandatory-or-not retry. */
export const STANDARD_NOT_MANDATORY_VERIFY_FLAGS = STANDARD_SCRIPT_VERIFY_FLAGS & ~MANDATORY_SCRIPT_VERIFY_FLAGS;

/**
 * Consensus script flags for a block at `height` (Core's GetBlockScriptFlags). Core applies
 * P2SH and WITNESS/TAPROOT to every block except two historical mainnet exceptions that ODA
 * does not have; so they are always on here. The others switch on at their deployment height.
 */
export function blockScriptFlags(height: number, params: NetworkParams): number {
  let flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT;
  if (height >= params.bip66Height) flags |= SCRIPT_VERIFY_DERSIG;
  if (height >= params.bip65Height) flags |= SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY;
  if (height >= params.csvHeight) flags |= SCRIPT_VERIFY_CHECKSEQUENCEVERIFY;
  if (height >= params.segwitHeight) flags |= SCRIPT_VERIFY_NULLDUMMY;
  return flags;
}
