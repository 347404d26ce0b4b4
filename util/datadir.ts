// What odad and oda-cli share of the configuration: the data dir, the config file and the
// network selection (Core's common/args.cpp and common/init.cpp halves used by both).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ArgsManager, ConfigError } from './args.js';

export const CONFIG_FILENAME = 'oda.conf';
export const DEFAULT_DATADIR_NAME = '.oda';
/** The networks a data dir can hold (chain/params.ts names them). */
export type ChainName = 'main' | 'regtest';

export function parsePort(v: string | number, option: string): number {
  const s = String(v).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw new ConfigError(`Invalid port specified in -${option}: '${v}'`);
  return n;
}

/** "host", "host:port", "[v6]", "[v6]:port". */
export function splitHostPort(v: string, option: string): { host: string; port?: number } {
  const m6 = /^\[([^\]]+)\](?::(.*))?$/.exec(v);
  if (m6) return { host: m6[1], port: m6[2] === undefined ? undefined : parsePort(m6[2], option) };
  const colon = v.lastIndexOf(':');
  if (colon > 0 && v.indexOf(':') === colon) return { host: v.slice(0, colon), port: parsePort(v.slice(colon + 1), option) };
  if (!v) throw new ConfigError(`Invalid -${option} address or hostname: '${v}'`);
  return { host: v };
}

/** Default data dir: ~/.oda. */
export function defaultDatadir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), DEFAULT_DATADIR_NAME);
}

/**
 * Resolves -datadir, reads the config file (-conf, default <datadir>/oda.conf), selects the
 * chain. Shared by odad and oda-cli (which passes its own option table and ignores unknown
 * config keys, as bitcoin-cli).
 */
export function loadArgs(
  args: ArgsManager,
  argv: string[],
  env: NodeJS.ProcessEnv,
  opts: { stopAtNonOption?: boolean; ignoreInvalidKeys?: boolean } = {},
): { rest: string[]; datadir: string; confFile: string; chain: ChainName } {
  const rest = args.parseCommandLine(argv, { stopAtNonOption: opts.stopAtNonOption });
  const dd = args.get('datadir');
  const datadir = dd !== undefined && dd !== '' ? resolve(dd) : defaultDatadir(env);
  const wantsHelp = ['help', 'h', '?', 'version'].some((n) => args.options.has(n) && args.getBool(n, false));
  if (!wantsHelp && dd !== undefined && dd !== '' && !(existsSync(datadir) && statSync(datadir).isDirectory())) {
    throw new ConfigError(`Specified data directory "${dd}" does not exist.`);
  }
  const conf = args.get('conf');
  const confFile = conf ? (isAbsolute(conf) ? conf : join(datadir, conf)) : join(datadir, CONFIG_FILENAME);
  if (existsSync(confFile)) {
    let text: string;
    try { text = readFileSync(confFile, 'utf8'); } catch { throw new ConfigError(`Error reading configuration file: specified config file "${confFile}" could not be opened.`); }
    try { args.readConfig(text, { ignoreInvalidKeys: opts.ignoreInvalidKeys, file: confFile }); } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`Error reading configuration file: ${e.message}`);
      throw e;
    }
  } else if (conf) {
    throw new ConfigError(`Error reading configuration file: specified config file "${confFile}" could not be opened.`);
  }
  const chain = args.selectChain('regtest') as ChainName;
  return { rest, datadir, confFile, chain };
}

/** Core's network subdirectory: main uses the data dir itself. */
export function networkDirFor(datadir: string, chain: ChainName): string {
  return chain === 'main' ? datadir : join(datadir, chain);
}

