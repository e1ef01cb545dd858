import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CODE_ALPHABET,
  formatPassCode,
  generatePassCode,
  generatePassCodes,
  hashPassCode,
  lastFour,
  normalizePassCode,
  parsePassCode,
  passCodeCheckSymbol,
} from './pass-code.ts';

const FORMATTED = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

const payloadArb = fc
  .array(fc.constantFrom(...CODE_ALPHABET.split('')), { minLength: 15, maxLength: 15 })
  .map((symbols) => symbols.join(''));
const codeArb = payloadArb.map((payload) => payload + passCodeCheckSymbol(payload));

function isAccepted(code: string): boolean {
  return parsePassCode(code).ok;
}

function replaceAt(code: string, index: number, symbol: string): string {
  return code.slice(0, index) + symbol + code.slice(index + 1);
}

function swapAt(code: string, index: number): string {
  return code.slice(0, index) + code[index + 1] + code[index] + code.slice(index + 2);
}

describe('pass code check symbol (Luhn mod 32)', () => {
  it('matches vectors computed by hand', () => {
    // 0123456789ABCDE: values 0..14; from the right E gets factor 2, then 1, 2, …
    // doubled (14,12,…,0) → 28+24+20+16+12+8+4+0 = 112, single (13,11,…,1) → 49;
    // no product reaches 32. Sum 161, 161 mod 32 = 1, check (32 − 1) mod 32 = 31 → Z.
    assert.equal(passCodeCheckSymbol('0123456789ABCDE'), 'Z');
    // Z = 31; doubled 62 = 1·32 + 30 → 1 + 30 = 31, single 31: every addend is 31.
    // Sum 15 × 31 = 465, 465 mod 32 = 17, check 32 − 17 = 15 → F.
    assert.equal(passCodeCheckSymbol('ZZZZZZZZZZZZZZZ'), 'F');
    // K7Q2ZXM9A0RT4VP = 19 7 23 2 31 29 20 9 10 0 24 26 4 27 22.
    // Doubled (even index): 38→7, 46→15, 62→31, 40→9, 20, 48→17, 8, 44→13 = 120.
    // Single (odd index): 7+2+29+9+0+26+27 = 100. Sum 220, 220 mod 32 = 28, check 4 → '4'.
    assert.equal(passCodeCheckSymbol('K7Q2ZXM9A0RT4VP'), '4');
    assert.deepEqual(parsePassCode('K7Q2-ZXM9-A0RT-4VP4'), { ok: true, code: 'K7Q2ZXM9A0RT4VP4' });
    assert.deepEqual(parsePassCode('K7Q2-ZXM9-A0RT-4VP5'), { ok: false, reason: 'mistyped' });
  });

  it('refuses a payload that is not 15 alphabet symbols', () => {
    assert.throws(() => passCodeCheckSymbol('K7Q2ZXM9A0RT4V'), RangeError);
    assert.throws(() => passCodeCheckSymbol('K7Q2ZXM9A0RT4VU'), RangeError);
  });

  it('rejects every single-symbol substitution, check symbol included', () => {
    fc.assert(
      fc.property(codeArb, (code) => {
        assert.ok(isAccepted(code));
        for (let index = 0; index < code.length; index++) {
          for (const symbol of CODE_ALPHABET) {
            if (symbol === code[index]) continue;
            const typo = replaceAt(code, index, symbol);
            assert.ok(!isAccepted(typo), `${typo} accepted as a typo of ${code}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects every swap of distinct neighbours except 0 and Z', () => {
    // Luhn mod N's one blind spot: 0 and N−1 contribute the same under both factors.
    fc.assert(
      fc.property(codeArb, fc.integer({ min: 0, max: 14 }), (code, index) => {
        const [a, b] = [code[index], code[index + 1]];
        fc.pre(a !== b);
        const blindSpot = (a === '0' && b === 'Z') || (a === 'Z' && b === '0');
        assert.equal(isAccepted(swapAt(code, index)), blindSpot);
      }),
      { numRuns: 2000 },
    );
    const payload = '0Z0Z0Z0Z0Z0Z0Z0';
    const valid = payload + passCodeCheckSymbol(payload);
    assert.ok(isAccepted(valid));
    assert.ok(isAccepted(swapAt(valid, 0)));
  });

  it('catches over 90% of neighbour swaps in random codes', () => {
    let swaps = 0;
    let caught = 0;
    for (const formatted of generatePassCodes(2000)) {
      const code = normalizePassCode(formatted);
      for (let index = 0; index < code.length - 1; index++) {
        if (code[index] === code[index + 1]) continue;
        swaps++;
        if (!isAccepted(swapAt(code, index))) caught++;
      }
    }
    assert.ok(caught / swaps > 0.9, `caught ${caught} of ${swaps}`);
  });
});

describe('normalizePassCode', () => {
  it('upper-cases and drops whitespace and hyphens', () => {
    assert.equal(normalizePassCode('k7q2-zxm9-a0rt-4vp4'), 'K7Q2ZXM9A0RT4VP4');
    assert.equal(normalizePassCode(' K7Q2 ZXM9\tA0RT\n4VP4 '), 'K7Q2ZXM9A0RT4VP4');
    assert.equal(normalizePassCode('K7Q2--ZXM9 - A0RT-4VP4'), 'K7Q2ZXM9A0RT4VP4');
  });

  it('reads O as 0 and I and L as 1', () => {
    assert.equal(normalizePassCode('OoIiLl'), '001111');
    assert.deepEqual(parsePassCode('k7q2-zxm9-aOrt-4vp4'), { ok: true, code: 'K7Q2ZXM9A0RT4VP4' });
  });

  it('leaves U alone so that it fails validation', () => {
    assert.equal(normalizePassCode('u'), 'U');
  });
});

describe('parsePassCode', () => {
  const valid = 'K7Q2ZXM9A0RT4VP4';
  const mistyped = { ok: false, reason: 'mistyped' };

  it('rejects wrong lengths', () => {
    for (const input of ['', valid.slice(0, 15), valid + '0', valid + valid, 'K7Q2-ZXM9-A0RT']) {
      assert.deepEqual(parsePassCode(input), mistyped, input);
    }
  });

  it('rejects symbols outside the alphabet', () => {
    for (const bad of ['U', '*', 'é', '_', '.']) {
      assert.deepEqual(parsePassCode(replaceAt(valid, 3, bad)), mistyped, bad);
    }
  });
});

describe('formatPassCode and lastFour', () => {
  it('writes four groups of four', () => {
    assert.equal(formatPassCode('K7Q2ZXM9A0RT4VP4'), 'K7Q2-ZXM9-A0RT-4VP4');
  });

  it('gives the last four symbols', () => {
    assert.equal(lastFour('K7Q2ZXM9A0RT4VP4'), '4VP4');
  });

  it('round-trips through parse', () => {
    fc.assert(
      fc.property(codeArb, (code) => {
        assert.deepEqual(parsePassCode(formatPassCode(code)), { ok: true, code });
      }),
    );
  });
});

describe('hashPassCode', () => {
  const code = 'K7Q2ZXM9A0RT4VP4';
  const key = Buffer.from('first key');

  it('is 64 hex characters and deterministic', () => {
    const hash = hashPassCode(code, key);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashPassCode(code, Buffer.from('first key')), hash);
  });

  it('depends on the key and the code', () => {
    const hash = hashPassCode(code, key);
    assert.notEqual(hashPassCode(code, Buffer.from('second key')), hash);
    assert.notEqual(hashPassCode('K7Q2ZXM9A0RT4VP5', key), hash);
  });

  it('is HMAC-SHA256 of the normalized code', () => {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert.equal(
      hashPassCode('what do ya want for nothing?', Buffer.from('Jefe')),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('generating pass codes', () => {
  it('generates a formatted, valid code', () => {
    const code = generatePassCode();
    assert.match(code, FORMATTED);
    assert.ok(isAccepted(code));
  });

  it('generates valid, distinct codes in bulk', () => {
    const codes = generatePassCodes(1000);
    assert.equal(codes.length, 1000);
    for (const code of codes) {
      assert.match(code, FORMATTED);
      assert.ok(isAccepted(code), code);
    }
    assert.equal(new Set(codes).size, 1000);
  });

  it('spans more than one random draw', () => {
    const codes = generatePassCodes(20_000);
    assert.equal(codes.length, 20_000);
    assert.equal(new Set(codes).size, 20_000);
    assert.ok(codes.every(isAccepted));
  });

  it('handles zero and refuses nonsense counts', () => {
    assert.deepEqual(generatePassCodes(0), []);
    assert.throws(() => generatePassCodes(-1), RangeError);
    assert.throws(() => generatePassCodes(1.5), RangeError);
  });

  it('uses every symbol in every random position', () => {
    // A missing symbol in 10,000 fair draws has odds around 32 × (31/32)^10000 ≈ 1e-136.
    const codes = generatePassCodes(10_000).map(normalizePassCode);
    for (let position = 0; position < 15; position++) {
      const seen = new Set(codes.map((code) => code[position]));
      assert.equal(seen.size, 32, `position ${position} saw ${seen.size} symbols`);
    }
  });
});
