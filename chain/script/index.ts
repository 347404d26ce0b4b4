// Public face of the script module (contract in docs/ARCHITECTURE.md): Core's script flags,
// ScriptError with Core's codes and texts, input verification and sigop counting.
export * from './flags.js';
export { ScriptError, isScriptError, SCRIPT_ERROR_MESSAGES } from './errors.js';
export type { ScriptErrorCode } from './errors.js';
