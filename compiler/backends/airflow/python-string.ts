// The one way user text reaches generated Python: an ASCII-only string
// literal. Everything outside printable ASCII becomes a \x, \u or \U escape,
// so no CR, LF, NUL, U+2028 or bidi control can end a comment or a line, and
// nothing is ever formatted, interpolated or rendered (no f-strings, no `%`, no
// triple quotes). The quote is chosen as `ruff format` would choose it, so the
// generated file is already formatted.

/** A lone UTF-16 surrogate: it has no UTF-8 form, so it cannot be written to Python source. */
export class LoneSurrogateError extends Error {
  override readonly name = "LoneSurrogateError";
  /** Offset of the surrogate in the string. */
  readonly index: number;
  constructor(index: number, code: number) {
    super(`the text holds a lone surrogate U+${code.toString(16).toUpperCase()} at offset ${index}`);
    this.index = index;
  }
}

/** Offsets of the lone surrogates in `text`. */
export function loneSurrogates(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    out.push(i);
  }
  return out;
}

const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/**
 * A Python string literal with exactly the value `text`, in printable ASCII.
 * Double quotes unless the text holds more double than single quotes (ruff's
 * rule). Throws LoneSurrogateError for text that is not valid Unicode.
 */
export function pythonString(text: string): string {
  let doubles = 0;
  let singles = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) doubles++;
    else if (c === 0x27) singles++;
  }
  const quote = doubles > singles ? "'" : '"';
  // Most text is plain printable ASCII: no escapes needed.
  if (PLAIN.test(text) && !text.includes(quote)) return quote + text + quote;
  let out = quote;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (cp > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw new LoneSurrogateError(i, cp);
      cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (cp === 0x5c) out += "\\\\";
    else if (cp === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (cp >= 0x20 && cp < 0x7f) out += String.fromCharCode(cp);
    else if (cp === 0x0a) out += "\\n";
    else if (cp === 0x0d) out += "\\r";
    else if (cp === 0x09) out += "\\t";
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}
