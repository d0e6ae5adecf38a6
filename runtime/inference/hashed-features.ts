// Hashed bag-of-words features, bit for bit the ones models/train_text_classifier.py
// trains on: lowercase, split on runs outside [a-z0-9], FNV-1a 32 of each token's
// UTF-8 bytes mod dim, counts divided by their L2 norm (computed in float64, then
// rounded to float32, as numpy's astype does).

const TOKEN_SPLIT = /[^a-z0-9]+/;
const OFFSET = 2166136261;
const PRIME = 16777619;

/** FNV-1a, 32 bits, of a byte string. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = OFFSET;
  for (const b of bytes) h = Math.imul(h ^ b, PRIME) >>> 0;
  return h >>> 0;
}

/** The tokens of a text, as the Python script splits them. */
export function hashedTokens(text: string): string[] {
  // Python's str.lower and JavaScript's toLowerCase both apply Unicode's
  // unconditional lowercase mappings, so they agree outside ASCII too.
  return text.toLowerCase().split(TOKEN_SPLIT).filter((t) => t.length > 0);
}

/** Writes the features of `text` into `out` (length dim), which must be zeroed. */
export function hashedWordsInto(text: string, out: Float32Array): void {
  const dim = out.length;
  const counts = new Float64Array(dim);
  const lower = text.toLowerCase();
  // Tokens are runs of [a-z0-9]: pure ASCII, so a token's UTF-8 bytes are its
  // char codes and the hash is computed while scanning, with no encoder.
  let h = OFFSET;
  let inToken = false;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      h = Math.imul(h ^ c, PRIME);
      inToken = true;
    } else if (inToken) {
      const index = (h >>> 0) % dim;
      counts[index] = counts[index]! + 1;
      h = OFFSET;
      inToken = false;
    }
  }
  let sumSquares = 0;
  for (let i = 0; i < dim; i++) sumSquares += counts[i]! * counts[i]!;
  if (sumSquares === 0) return;
  const norm = Math.sqrt(sumSquares);
  for (let i = 0; i < dim; i++) out[i] = counts[i]! / norm;
}

/** The features of one text as a new Float32Array of length dim. */
export function hashedWords(text: string, dim: number): Float32Array {
  const out = new Float32Array(dim);
  hashedWordsInto(text, out);
  return out;
}
