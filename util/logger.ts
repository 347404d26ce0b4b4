// debug.log writer in Core's format ("2026-11-21T22:53:06Z message"), optionally echoed to
// the console (-printtoconsole). Categories as Core's -debug=<category>.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(category: string, msg: string): void;
}

export class FileLogger implements Logger {
  private readonly debugAll: boolean;
  private readonly categories: Set<string>;
  constructor(private readonly file: string | undefined, private readonly toConsole: boolean, debug: string[] = []) {
    if (file) mkdirSync(dirname(file), { recursive: true });
    this.debugAll = debug.some((d) => d === '1' || d === 'all' || d === '');
    this.categories = new Set(debug);
  }
  private write(line: string): void {
    const out = `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')} ${line}\n`;
    if (this.file) {
      try { appendFileSync(this.file, out); } catch { /* a full disk must not kill the node */ }
    }
    if (this.toConsole) process.stdout.write(out);
  }
  info(msg: string): void { this.write(msg); }
  warn(msg: string): void { this.write(`Warning: ${msg}`); }
  error(msg: string): void { this.write(`Error: ${msg}`); }
  debug(category: string, msg: string): void {
    if (this.debugAll || this.categories.has(category)) this.write(`[${category}] ${msg}`);
  }
}

export const nullLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
