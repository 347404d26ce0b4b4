// Core's ArgsManager (src/common/args.cpp) for odad and oda-cli: "-foo", "--foo", "-foo=bar",
// "-nofoo", "-regtest.port=1" on the command line; "key=value", "[section]" and
// "regtest.key=value" in the config file. Precedence as Core: command line (last value
// wins) over the config file's network section over its top section (first value wins);
// list options collect every value; NETWORK_ONLY options in the top section apply only to
// main, with a warning on other chains.
export type OptionType = 'bool' | 'int' | 'string' | 'list' | 'amount';

export interface OptionSpec {
  name: string;
  type: OptionType;
  /** Shown in -help, e.g. "<port>"; bool options show no argument. */
  arg?: string;
  help: string;
  /** Core's NETWORK_ONLY: a top-section value applies to main only. */
  networkOnly?: boolean;
  /** Command line only (-datadir, -conf, -regtest, -chain, -help). */
  commandLineOnly?: boolean;
  /** Not listed in -help (aliases such as -h, -?). */
  hidden?: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One setting as written: value, or negated ("-nofoo"). */
interface Setting { value: string; negated: boolean }

const CHAINS = ['main', 'regtest'];

export class ArgsManager {
  readonly options = new Map<string, OptionSpec>();
  private readonly cli = new Map<string, Setting[]>();
  /** Config file settings by section ("" = top). */
  private readonly conf = new Map<string, Map<string, Setting[]>>();
  readonly warnings: string[] = [];
  chain = 'regtest';

  constructor(specs: OptionSpec[]) {
    for (const s of specs) this.options.set(s.name, s);
  }

  /** Splits "-regtest.port" into section and name, and resolves "-nofoo". */
  private interpretKey(raw: string, value: string | undefined): { section: string; name: string; setting: Setting } {
    let key = raw;
    let section = '';
    const dot = key.indexOf('.');
    if (dot >= 0) { section = key.slice(0, dot); key = key.slice(dot + 1); }
    let negated = false;
    if (key.startsWith('no') && !this.options.has(key) && this.options.has(key.slice(2))) {
      key = key.slice(2);
      // "-nofoo=0" means foo=1, "-nofoo" / "-nofoo=1" mean foo=0 (Core's InterpretNegatedOption).
      const v = value === undefined || value === '' ? true : Number.parseInt(value, 10) !== 0;
      if (!v) {
        this.warnings.push(`Parsed potentially confusing double-negative -no${key}=${value}`);
        return { section, name: key, setting: { value: '1', negated: false } };
      }
      negated = true;
    }
    return { section, name: key, setting: { value: negated ? '0' : value ?? '', negated } };
  }

  /**
   * Parses argv (without node and script). With `stopAtNonOption` (oda-cli) parsing ends at
   * the first argument not starting with "-" and the rest is returned; odad rejects it.
   */
  parseCommandLine(argv: string[], opts: { stopAtNonOption?: boolean; ignoreUnknown?: boolean } = {}): string[] {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('-') || a === '-' || a === '--') {
        if (opts.stopAtNonOption) return argv.slice(i);
        throw new ConfigError(`Command line contains unexpected token '${a}', see odad -h for a list of options.`);
      }
      const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
      const eq = body.indexOf('=');
      const rawKey = eq >= 0 ? body.slice(0, eq) : body;
      const value = eq >= 0 ? body.slice(eq + 1) : undefined;
      const { section, name, setting } = this.interpretKey(rawKey, value);
      if (!this.options.has(name) || (section && !CHAINS.includes(section))) {
        if (opts.ignoreUnknown) continue;
        throw new ConfigError(`Invalid parameter -${rawKey}`);
      }
      const key = section ? `${section}.${name}` : name;
      const list = this.cli.get(key) ?? [];
      list.push(setting);
      this.cli.set(key, list);
    }
    return [];
  }

  /** Reads a config file's text (Core's ReadConfigStream). Unknown keys fail unless ignored. */
  readConfig(text: string, opts: { ignoreInvalidKeys?: boolean; file?: string } = {}): void {
    let section = '';
    text.split(/\r?\n/).forEach((line0, idx) => {
      const hash = line0.indexOf('#');
      const line = (hash >= 0 ? line0.slice(0, hash) : line0).trim();
      if (!line) return;
      if (line.startsWith('[') && line.endsWith(']')) {
        section = line.slice(1, -1).trim();
        if (!CHAINS.includes(section)) this.warnings.push(`Section [${section}] is not recognized.`);
        return;
      }
      if (line.startsWith('-')) {
        throw new ConfigError(`parse error on line ${idx + 1}: ${line}, options in configuration file must be specified without leading -`);
      }
      const eq = line.indexOf('=');
      if (eq < 0) {
        const hint = line.startsWith('no') ? `, if you intended to specify a negated option, use ${line}=1 instead` : '';
        throw new ConfigError(`parse error on line ${idx + 1}: ${line}${hint}`);
      }
      const rawKey = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      const { section: keySection, name, setting } = this.interpretKey(rawKey, value);
      const sec = keySection || section;
      const spec = this.options.get(name);
      if (!spec || spec.commandLineOnly && name !== 'regtest' && name !== 'chain') {
        if (opts.ignoreInvalidKeys) return;
        throw new ConfigError(`Invalid configuration value ${rawKey}`);
      }
      const bySection = this.conf.get(sec) ?? new Map<string, Setting[]>();
      const list = bySection.get(name) ?? [];
      list.push(setting);
      bySection.set(name, list);
      this.conf.set(sec, bySection);
    });
  }

  /**
   * Core's GetChainTypeString: -regtest and -chain (command line, then config top section);
   * ODA defaults to regtest.
   */
  selectChain(defaultChain = 'regtest'): string {
    const regtest = this.rawGet('regtest', true);
    const chain = this.rawGet('chain', true);
    const isRegtest = regtest !== undefined && interpretBool(regtest);
    if (isRegtest && chain !== undefined && chain !== 'regtest') {
      throw new ConfigError('Invalid combination of -regtest, -signet, -testnet and -chain. Can use at most one.');
    }
    const c = isRegtest ? 'regtest' : chain ?? defaultChain;
    if (!CHAINS.includes(c)) throw new ConfigError(`Unknown chain ${c}. Choose one of: ${CHAINS.join(', ')}`);
    this.chain = c;
    // Core warns about NETWORK_ONLY values that the top section would have set on a test chain.
    if (c !== 'main') {
      for (const name of this.conf.get('')?.keys() ?? []) {
        const spec = this.options.get(name);
        if (spec?.networkOnly && !this.conf.get(c)?.has(name)) {
          this.warnings.push(`Config setting for -${name} only applied on ${c} network when in [${c}] section.`);
        }
      }
    }
    return c;
  }

  /**
   * Settings for a name, highest precedence first, each source in the order written:
   * command line, command line "-<chain>.name", config [chain] section, config top section
   * (the last for a NETWORK_ONLY option only on main).
   */
  private sources(name: string, chainless = false): { settings: Setting[]; cli: boolean }[] {
    const out: { settings: Setting[]; cli: boolean }[] = [];
    const cli = this.cli.get(name);
    if (cli) out.push({ settings: cli, cli: true });
    if (!chainless) {
      const cliChain = this.cli.get(`${this.chain}.${name}`);
      if (cliChain) out.push({ settings: cliChain, cli: true });
      const net = this.conf.get(this.chain)?.get(name);
      if (net) out.push({ settings: net, cli: false });
    }
    const spec = this.options.get(name);
    const top = this.conf.get('')?.get(name);
    if (top && (chainless || !spec?.networkOnly || this.chain === 'main')) out.push({ settings: top, cli: false });
    return out;
  }

  /** Core's GetSetting: the command line's last value, else the config file's first. */
  private setting(name: string, chainless = false): Setting | undefined {
    for (const src of this.sources(name, chainless)) {
      if (src.settings.length) return src.cli ? src.settings[src.settings.length - 1] : src.settings[0];
    }
    return undefined;
  }

  private rawGet(name: string, chainless = false): string | undefined {
    return this.setting(name, chainless)?.value;
  }

  isSet(name: string): boolean {
    return this.setting(name) !== undefined;
  }

  isNegated(name: string): boolean {
    return this.setting(name)?.negated ?? false;
  }

  get(name: string): string | undefined {
    this.known(name);
    const v = this.rawGet(name);
    return v === undefined || this.isNegated(name) ? undefined : v;
  }

  /** Core's InterpretBool: "" (bare -foo) is true, else the integer value != 0. */
  getBool(name: string, def: boolean): boolean {
    this.known(name);
    const v = this.rawGet(name);
    return v === undefined ? def : interpretBool(v);
  }

  /** Integer option; a value that is not an integer is a ConfigError naming the option. */
  getInt(name: string, def: number): number {
    const v = this.get(name);
    if (v === undefined) return this.isNegated(name) ? 0 : def;
    if (!/^[+-]?\d+$/.test(v.trim())) throw new ConfigError(`Invalid value for -${name}: '${v}' (an integer is required)`);
    return Number.parseInt(v, 10);
  }

  /**
   * Core's GetSettingsList: every value from every source, command line first. A negation
   * drops the values before it in its source and every lower-precedence source.
   */
  getList(name: string): string[] {
    this.known(name);
    const out: string[] = [];
    for (const { settings } of this.sources(name)) {
      let last = -1;
      settings.forEach((s, i) => { if (s.negated) last = i; });
      for (const s of settings.slice(last + 1)) out.push(s.value);
      if (last >= 0) break;
    }
    return out;
  }

  private known(name: string): void {
    if (!this.options.has(name)) throw new Error(`option -${name} is not registered`);
  }

  /** Core-style option list for -help. */
  helpText(): string {
    const lines: string[] = [];
    for (const s of [...this.options.values()].filter((o) => !o.hidden)) {
      lines.push(`  -${s.name}${s.arg ? `=${s.arg}` : ''}`);
      for (const l of s.help.split('\n')) lines.push(`       ${l}`);
      lines.push('');
    }
    return lines.join('\n');
  }
}

export function interpretBool(v: string): boolean {
  if (v === '') return true;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? false : n !== 0;
}
