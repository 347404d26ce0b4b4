// Core's help texts (RPCHelpMan::ToString) built from a method's ParamSpec list, and the
// generic `help` and `uptime` methods every ODA RPC server carries.
import type { ParamSpec, ParamType, RpcMethod } from './types.js';

function types(p: ParamSpec): ParamType[] {
  return Array.isArray(p.type) ? p.type : [p.type];
}

/** How Core shows an argument in the synopsis line: "blockhash" quoted, numbers bare, {...}, [...]. */
function synopsisArg(p: ParamSpec): string {
  const t = types(p)[0];
  if (t === 'string' || t === 'hex') return `"${p.name}"`;
  if (t === 'object') return '{...}';
  if (t === 'array') return '[...]';
  return p.name;
}

/** Core's type label in the Arguments section: string, numeric, boolean, json object, json array, numeric or string. */
function typeLabel(p: ParamSpec): string {
  const label: Record<ParamType, string> = {
    string: 'string', hex: 'string', number: 'numeric', boolean: 'boolean',
    object: 'json object', array: 'json array', amount: 'numeric or string', any: 'any',
  };
  return [...new Set(types(p).map((t) => label[t]))].join(' or ');
}

/** First line of the help: `getblock "blockhash" ( verbosity )`, as `help` lists it. */
export function synopsis(m: Pick<RpcMethod, 'name' | 'params'>): string {
  const req = m.params.filter((p) => !p.optional).map(synopsisArg);
  const opt = m.params.filter((p) => p.optional).map(synopsisArg);
  return [m.name, ...req, ...(opt.length ? [`( ${opt.join(' ')} )`] : [])].join(' ');
}

/** The full help of one method: synopsis, description, numbered Arguments section. */
export function methodHelp(m: Pick<RpcMethod, 'name' | 'params' | 'help'>): string {
  const parts = [synopsis(m), '', m.help.trim()];
  if (m.params.length) {
    const width = Math.max(...m.params.map((p) => p.name.length));
    parts.push('', 'Arguments:');
    m.params.forEach((p, i) => {
      const desc = p.description ? ` ${p.description}` : '';
      parts.push(`${i + 1}. ${p.name.padEnd(width)}    (${typeLabel(p)}, ${p.optional ? 'optional' : 'required'})${desc}`);
    });
  }
  return parts.join('\n');
}

/** Core's CRPCTable::help: sections "== Category ==", sorted by category then name; hidden skipped. */
export function helpOverview(methods: RpcMethod<any>[]): string {
  const visible = methods.filter((m) => m.category.toLowerCase() !== 'hidden');
  const sorted = [...visible].sort((a, b) =>
    a.category.toLowerCase() < b.category.toLowerCase() ? -1 : a.category.toLowerCase() > b.category.toLowerCase() ? 1
      : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const out: string[] = [];
  let category = '';
  for (const m of sorted) {
    if (m.category.toLowerCase() !== category) {
      if (category) out.push('');
      category = m.category.toLowerCase();
      out.push(`== ${category.charAt(0).toUpperCase()}${category.slice(1)} ==`);
    }
    out.push(synopsis(m));
  }
  return out.join('\n');
}

/** `help ( "command" )`: the overview, or one command's help ("help: unknown command: x" as Core). */
export function helpMethod<C>(list: () => RpcMethod<C>[]): RpcMethod<C> {
  return {
    name: 'help',
    category: 'Control',
    params: [{ name: 'command', type: 'string', optional: true, description: 'The command to get help on' }],
    help: 'List all commands, or get help for a specified command.\n\nODA runs regtest by default (its own regtest chain, ports 28444/28443).',
    handler: ([command]) => {
      const methods = list();
      if (command === undefined) return helpOverview(methods);
      const m = methods.find((x) => x.name === command);
      return m ? methodHelp(m) : `help: unknown command: ${command}`;
    },
  };
}

/** `uptime`: seconds since the server (node) started. */
export function uptimeMethod<C>(startTime: number): RpcMethod<C> {
  return {
    name: 'uptime',
    category: 'Control',
    params: [],
    help: 'Returns the total uptime of the server.\n\nResult:\nn    (numeric) The number of seconds that the server has been running',
    handler: () => Math.floor(Date.now() / 1000) - startTime,
  };
}
