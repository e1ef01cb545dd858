import { createHmac, randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O or U, so printed codes are hard to misread. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const BASE = CODE_ALPHABET.length;
const PAYLOAD_LENGTH = 15;
const PAYLOAD_PATTERN = /^[0-9A-HJKMNP-TV-Z]{15}$/;
const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{16}$/;
// 15 symbols × 5 bits = 75 bits; 10 bytes give 80 and the last 5 bits are unused.
const BYTES_PER_CODE = 10;
const CODES_PER_DRAW = 8192;

export type PassCodeParseResult =
  | { ok: true; code: string }
  | { ok: false; reason: 'mistyped' };

export function normalizePassCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function formatPassCode(normalized: string): string {
  const n = normalized;
  return `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8, 12)}-${n.slice(12, 16)}`;
}

export function parsePassCode(input: string): PassCodeParseResult {
  const code = normalizePassCode(input);
  if (!CODE_PATTERN.test(code) || luhnSum(symbolValues(code), 1) % BASE !== 0) {
    return { ok: false, reason: 'mistyped' };
  }
  return { ok: true, code };
}

/** The Luhn mod 32 check symbol for a payload of alphabet symbols. */
export function passCodeCheckSymbol(payload: string): string {
  if (!PAYLOAD_PATTERN.test(payload)) {
    throw new RangeError(`a pass code payload is 15 alphabet symbols, got "${payload}"`);
  }
  return CODE_ALPHABET.charAt(checkValue(symbolValues(payload)));
}

export function generatePassCode(): string {
  return generatePassCodes(1)[0] as string;
}

/** Draws randomness in bulk: one randomBytes call per batch of codes. */
export function generatePassCodes(count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
  const codes: string[] = [];
  while (codes.length < count) {
    const batch = Math.min(CODES_PER_DRAW, count - codes.length);
    const bytes = randomBytes(batch * BYTES_PER_CODE);
    for (let i = 0; i < batch; i++) {
      codes.push(codeFromBytes(bytes, i * BYTES_PER_CODE));
    }
  }
  return codes;
}

export function hashPassCode(normalized: string, key: Buffer): string {
  return createHmac('sha256', key).update(normalized).digest('hex');
}

export function lastFour(normalized: string): string {
  return normalized.slice(-4);
}

// Filling one reused buffer is ~3x faster than building each code by string
// concatenation, which matters when a batch is a million codes.
const SYMBOL_BYTES = Buffer.from(CODE_ALPHABET, 'latin1');
const formatted = Buffer.from('XXXX-XXXX-XXXX-XXXX', 'latin1');

function codeFromBytes(bytes: Buffer, offset: number): string {
  const values = payloadValues(bytes, offset);
  values.push(checkValue(values));
  values.forEach((value, i) => {
    formatted[i + Math.floor(i / 4)] = SYMBOL_BYTES[value] as number;
  });
  return formatted.toString('latin1');
}

/** Reads the bytes as a bit stream, 5 bits per symbol, so every symbol is uniform. */
function payloadValues(bytes: Buffer, offset: number): number[] {
  const values: number[] = [];
  let bits = 0;
  let pending = 0;
  for (let i = offset; values.length < PAYLOAD_LENGTH; i++) {
    bits = (bits << 8) | (bytes[i] as number);
    pending += 8;
    while (pending >= 5 && values.length < PAYLOAD_LENGTH) {
      pending -= 5;
      values.push((bits >> pending) & (BASE - 1));
    }
    bits &= (1 << pending) - 1;
  }
  return values;
}

function symbolValues(symbols: string): number[] {
  return Array.from(symbols, (symbol) => CODE_ALPHABET.indexOf(symbol));
}

function checkValue(payload: readonly number[]): number {
  return (BASE - (luhnSum(payload, 2) % BASE)) % BASE;
}

/** Luhn mod N: from the right, alternate factors and add the base-N digits of each product. */
function luhnSum(values: readonly number[], rightmostFactor: number): number {
  let sum = 0;
  let factor = rightmostFactor;
  for (let i = values.length - 1; i >= 0; i--) {
    const product = (values[i] as number) * factor;
    sum += Math.floor(product / BASE) + (product % BASE);
    factor = factor === 2 ? 1 : 2;
  }
  return sum;
}
