// ISO 4217 currencies as the runtime's ICU data knows them, and decimal text ↔ integer minor units.

const currencies: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Strict: three upper-case letters naming a current ISO 4217 currency. */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && currencies.has(code);
}

/** How many decimals the currency's minor unit has: USD 2, JPY 0, KWD 3. */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export type AmountParse = { ok: true; amount: number } | { ok: false; message: string };

/**
 * "100.00" USD → 10000. Exact (no floating point); refuses signs, exponents, thousands separators and
 * more decimals than the currency's minor unit has, so "0.001 USD" is an error rather than a rounding.
 */
export function parseDecimalAmount(text: string, currency: string): AmountParse {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return { ok: false, message: `"${text}" is not an amount; write it like 100 or 100.00` };
  const digits = currencyDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return { ok: false, message: digits === 0 ? `${currency} has no decimals` : `${currency} has at most ${digits} decimals` };
  }
  const minor = BigInt(match[1] as string) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, message: 'the amount is too large' };
  return { ok: true, amount: Number(minor) };
}

/** 10000 USD → "100.00", for listings. */
export function formatMinorUnits(amount: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(amount);
  const text = String(amount).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
