// From a parsed JSON-RPC request object to a handler call, as Core's JSONRPCRequest::parse,
// transformNamedArguments (src/rpc/server.cpp) and RPCHelpMan::HandleRequest (arg count,
// per-argument type check). Every failure is an RpcError with Core's code and message.
import { RPC, RpcError } from './errors.js';
import { methodHelp } from './help.js';
import { writeJson } from './json.js';
import type { ParamSpec, ParamType, RpcMethod } from './types.js';

export type JsonRpcVersion = '1.1' | '2.0';

/** A request object after Core's JSONRPCRequest::parse. `hasId` distinguishes absent from null. */
export interface JsonRpcRequest {
  version: JsonRpcVersion;
  hasId: boolean;
  id: unknown;
  method: string;
  params: unknown[] | Record<string, unknown>;
}

/** What is known of a request before parsing failed (for the error reply's envelope). */
export interface PartialRequest { version: JsonRpcVersion; hasId: boolean; id: unknown }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Core's JSONRPCRequest::parse. Fills `partial` as it goes (id first, then version) so an
 * error reply carries the id and envelope the client used.
 */
export function parseRequest(value: unknown, partial: PartialRequest): JsonRpcRequest {
  if (!isPlainObject(value)) throw new RpcError(RPC.INVALID_REQUEST, 'Invalid Request object');
  if (Object.prototype.hasOwnProperty.call(value, 'id')) {
    partial.hasId = true;
    partial.id = value.id;
  }
  const v = value.jsonrpc;
  if (v !== undefined && v !== null) {
    if (typeof v !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'jsonrpc field must be a string');
    // {"jsonrpc":"1.0"} appeared in old documentation; Core keeps accepting it as legacy.
    if (v === '2.0') partial.version = '2.0';
    else if (v !== '1.0') throw new RpcError(RPC.INVALID_REQUEST, 'JSON-RPC version not supported');
  }
  const method = value.method;
  if (method === undefined || method === null) throw new RpcError(RPC.INVALID_REQUEST, 'Missing method');
  if (typeof method !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'Method must be a string');
  const params = value.params;
  let p: unknown[] | Record<string, unknown>;
  if (Array.isArray(params) || isPlainObject(params)) p = params;
  else if (params === undefined || params === null) p = [];
  else throw new RpcError(RPC.INVALID_REQUEST, 'Params must be an array or object');
  return { ...partial, method, params: p };
}

/** Core's IsNotification: only a 2.0 request without id is a notification. */
export function isNotification(r: PartialRequest): boolean {
  return r.version === '2.0' && !r.hasId;
}

/**
 * Core's transformNamedArguments: named params to positions by ParamSpec names, holes as
 * null; an `args` array supplies leading positionals; leftovers are "Unknown named parameter".
 */
export function namedToPositional(named: Record<string, unknown>, specs: ParamSpec[]): unknown[] {
  const argsIn = new Map(Object.entries(named));
  let out: unknown[] = [];
  let hole = 0;
  let initialHole = 0;
  let initialParam: string | undefined;
  for (const spec of specs) {
    if (argsIn.has(spec.name)) {
      while (hole > 0) { out.push(null); hole--; }
      out.push(argsIn.get(spec.name));
      argsIn.delete(spec.name);
      initialParam ??= spec.name;
    } else {
      hole++;
      if (out.length === 0) initialHole = hole;
    }
  }
  const positional = argsIn.get('args');
  if (argsIn.has('args') && Array.isArray(positional)) {
    argsIn.delete('args');
    if (initialHole < positional.length && initialParam !== undefined) {
      throw new RpcError(RPC.INVALID_PARAMETER, `Parameter ${initialParam} specified twice both as positional and named argument`);
    }
    const namedArgs = out;
    out = [...positional];
    for (let i = out.length; i < namedArgs.length; i++) out.push(namedArgs[i]);
  }
  const [unknown] = argsIn.keys();
  if (unknown !== undefined) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown named parameter ${unknown}`);
  return out;
}

/** UniValue's uvTypeName. */
export function uvTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'object';
}

/** The UniValue type a ParamType must have; undefined = checked by the handler (amount, any). */
function expected(t: ParamType): string | undefined {
  switch (t) {
    case 'string': case 'hex': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    case 'object': return 'object';
    case 'array': return 'array';
    case 'amount': case 'any': return undefined;
  }
}

/** Core's RPCArg::MatchesType: true, or the mismatch message. */
function matchesType(spec: ParamSpec, value: unknown): true | string {
  if (spec.optional && (value === null || value === undefined)) return true;
  const exp = (Array.isArray(spec.type) ? spec.type : [spec.type]).map(expected);
  if (exp.some((e) => e === undefined)) return true;
  const actual = uvTypeName(value);
  if (exp.includes(actual)) return true;
  return `JSON value of type ${actual} is not of expected type ${exp[0]}`;
}

/**
 * RPCHelpMan::HandleRequest's checks: argument count (-1 with the help text, as Core's
 * runtime_error(ToString())), then every argument's JSON type (-3 "Wrong type passed").
 * Returns positional args with absent or null optionals as undefined.
 */
export function checkArgs(m: RpcMethod<any>, params: unknown[] | Record<string, unknown>): unknown[] {
  const args = Array.isArray(params) ? params : namedToPositional(params, m.params);
  let required = 0;
  m.params.forEach((p, i) => { if (!p.optional) required = i + 1; });
  if (args.length < required || args.length > m.params.length) throw new RpcError(RPC.MISC_ERROR, methodHelp(m));
  const mismatch: Record<string, string> = {};
  m.params.forEach((spec, i) => {
    const r = matchesType(spec, args[i]);
    if (r !== true) mismatch[`Position ${i + 1} (${spec.name})`] = r;
  });
  if (Object.keys(mismatch).length) throw new RpcError(RPC.TYPE_ERROR, `Wrong type passed:\n${writeJson(mismatch, 4)}`);
  return m.params.map((spec, i) => (spec.optional && args[i] === null ? undefined : args[i]));
}
