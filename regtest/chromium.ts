// Headless Chromium (Debian's `chromium` package) driven by its command line: --dump-dom for
// the DOM after the page's scripts ran, --screenshot for PNGs. No driver library: each call
// is one short browser process with its own throw-away profile.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser binary: $CHROMIUM_BIN, else the first of NAMES on PATH. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_BIN) return existsSync(process.env.CHROMIUM_BIN) ? process.env.CHROMIUM_BIN : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const n of NAMES) if (dir && existsSync(join(dir, n))) return join(dir, n);
  }
  return undefined;
}

/**
 * The browser, installed with apt-get when absent and this process may (root on Debian).
 * Returns the binary, or a reason why there is none (for a clear skip message).
 */
export function ensureChromium(log: (m: string) => void = () => {}): { bin: string } | { reason: string } {
  const found = findChromium();
  if (found) return { bin: found };
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return { reason: 'Chromium is not installed and this system has no apt-get (install chromium or set CHROMIUM_BIN)' };
  if (process.getuid?.() !== 0) return { reason: 'Chromium is not installed and installing it needs root (apt-get install chromium, or set CHROMIUM_BIN)' };
  log('installing chromium with apt-get (once)…');
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return { reason: `apt-get install chromium failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const bin = findChromium();
  return bin ? { bin } : { reason: 'apt-get install chromium did not provide a chromium binary' };
}

export interface BrowseOptions {
  /** Virtual time the page may use for its scripts and fetches (ms). */
  budgetMs?: number;
  width?: number;
  height?: number;
  timeoutMs?: number;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'oda-chromium-'));
  const full = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
    '--disable-extensions', '--disable-background-networking', '--disable-component-update', '--mute-audio', `--user-data-dir=${profile}`, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} exited with ${code}: ${err.split('\n').slice(-5).join('\n')}`));
    });
  });
}

/** The page's DOM (serialized HTML) once its scripts have run. */
export function dumpDom(bin: string, url: string, o: BrowseOptions = {}): Promise<string> {
  return run(bin, [`--virtual-time-budget=${o.budgetMs ?? 3000}`, '--dump-dom', url], o.timeoutMs ?? 60_000);
}

/** A PNG screenshot of the page at width × height. */
export async function screenshot(bin: string, url: string, file: string, o: BrowseOptions = {}): Promise<Buffer> {
  await run(bin, [`--virtual-time-budget=${o.budgetMs ?? 3000}`, `--window-size=${o.width ?? 1280},${o.height ?? 900}`, '--hide-scrollbars', `--screenshot=${file}`, url], o.timeoutMs ?? 60_000);
  return readFileSync(file);
}
