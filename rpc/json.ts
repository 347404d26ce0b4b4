// JSON text as Bitcoin Core's UniValue writes it. Two things JSON.stringify cannot do:
// amounts print with exactly 8 decimals ("50.00000000", a raw number token, as Core's
// ValueFromAmount), and numbers received by the CLI are echoed with their original text.
// Both are carried by RawNumber, a number token written verbatim.

/** A JSON number token, written verbatim (e.g. "50.00000000"). */
export class RawNumber {
  constructor(public readonly text: string) {
    if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) throw new Error(`not a JSON number: ${text}`);
  }
  toJSON(): number { return Number(this.text); }
  valueOf(): number { return Number(this.text); }
  toString(): string { return this.text; }
}

/**
 * A double as UniValue::setFloat prints it (`ostream << setprecision(16)`, i.e. C's %.16g):
 * 16 significant digits, trailing zeros dropped, exponent form below 1e-4 or from 1e16 with
 * at least two exponent digits ("4.656542373906925e-10", "1e-05"). Integers print as such.
 */
export function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return Object.is(v, -0) ? '-0' : String(v);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  const [mant, ex] = v.toExponential(15).split('e');
  const x = Number(ex);
  if (x < -4 || x >= 16) return `${strip(mant)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return strip(v.toFixed(15 - x));
}

function indentStr(indent: number, level: number): string {
  return ' '.repeat(indent * level);
}

/**
 * Serialise as UniValue::write(indent): compact when indent is 0; pretty otherwise, with
 * Core's layout (empty containers print as "[\n]" / "{\n}"). bigint prints as an integer,
 * undefined object members are skipped (as JSON.stringify), non-finite numbers as null.
 */
export function writeJson(value: unknown, indent = 0): string {
  const out: string[] = [];
  write(value, indent, 1, out);
  return out.join('');
}

function write(v: unknown, indent: number, level: number, out: string[]): void {
  if (v === null || v === undefined) { out.push('null'); return; }
  if (v instanceof RawNumber) { out.push(v.text); return; }
  switch (typeof v) {
    case 'string': out.push(JSON.stringify(v)); return;
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'bigint': out.push(v.toString()); return;
    case 'number': out.push(formatDouble(v)); return;
    case 'function': case 'symbol': out.push('null'); return;
  }
  if (v instanceof Uint8Array) { out.push(JSON.stringify(Buffer.from(v).toString('hex'))); return; }
  const obj = v as { toJSON?: () => unknown };
  if (!Array.isArray(v) && typeof obj.toJSON === 'function') { write(obj.toJSON(), indent, level, out); return; }
  const nl = indent ? '\n' : '';
  if (Array.isArray(v)) {
    out.push('[', nl);
    v.forEach((item, i) => {
      if (indent) out.push(indentStr(indent, level));
      write(item, indent, level + 1, out);
      if (i !== v.length - 1) out.push(',');
      out.push(nl);
    });
    if (indent) out.push(indentStr(indent, level - 1));
    out.push(']');
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  out.push('{', nl);
  entries.forEach(([k, item], i) => {
    if (indent) out.push(indentStr(indent, level));
    out.push(JSON.stringify(k), indent ? ': ' : ':');
    write(item, indent, level + 1, out);
    if (i !== entries.length - 1) out.push(',');
    out.push(nl);
  });
  if (indent) out.push(indentStr(indent, level - 1));
  out.push('}');
}

/**
 * JSON.parse, except that numbers become RawNumber (their exact text kept), so a client can
 * print a server's "50.00000000" unchanged. Throws SyntaxError on invalid JSON.
 */
export function parseJsonRaw(text: string): unknown {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (): never => { throw new SyntaxError(`Invalid JSON at position ${i}`); };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o: Record<string, unknown> = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); if (text[i] !== '"') fail();
        const k = str(); ws(); if (text[i++] !== ':') fail();
        o[k] = value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail();
      }
    }
    if (c === '[') {
      i++; const a: unknown[] = []; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail();
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    return new RawNumber(m![0]);
  };
  const str = (): string => {
    const start = i; i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value(); ws();
  if (i !== text.length) fail();
  return v;
}
