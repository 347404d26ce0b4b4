// The shape every RPC method is registered with. The server (rpc/server.ts) maps named
// params to positions using `params`, type-checks them with Core's messages, and calls
// `handler` with positional arguments (missing optionals are `undefined`).
export type ParamType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'amount' | 'hex' | 'any';

export interface ParamSpec {
  name: string;
  /** One type, or several accepted (Core's RPCArg with alternatives). */
  type: ParamType | ParamType[];
  optional?: boolean;
  description?: string;
}

export interface RpcMethod<C = unknown> {
  name: string;
  /** Core's help category: Blockchain, Control, Mining, Network, Rawtransactions, Util, Wallet, Models, Store. */
  category: string;
  params: ParamSpec[];
  /** One-paragraph help text, Core-style; the server prepends "name ( args )". */
  help: string;
  /** Wallet methods are also served at /wallet/<name>. */
  wallet?: boolean;
  handler: (args: unknown[], ctx: C, req?: RpcRequestInfo) => unknown | Promise<unknown>;
}

/** What the server knows about the HTTP request a call arrived in (rpc/server.ts). */
export interface RpcRequestInfo {
  /** Request path, e.g. "/" or "/wallet/alice". */
  uri: string;
  /** Decoded wallet name from a /wallet/<name> path (may be ""). */
  walletName?: string;
  /** The authenticated user ("__cookie__" for cookie auth). */
  authUser: string;
}
