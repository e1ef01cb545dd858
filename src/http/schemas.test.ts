import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN } from './schemas.ts';

test('text from outside: no NUL, no control characters, no bidirectional overrides; lines only where they belong', () => {
  const line = new RegExp(SINGLE_LINE_PATTERN, 'u');
  const text = new RegExp(MULTI_LINE_PATTERN, 'u');
  for (const ok of ['Anna Virtanen', 'anna@example.fi', 'Åsa Ödegård', '李小龍', 'émoji 🎉', 'x'.repeat(500), '']) {
    assert.ok(line.test(ok), ok);
    assert.ok(text.test(ok), ok);
  }
  for (const bad of ['a\u0000b', 'a\u0001', '\u001b[31m', 'a\u007f', 'a\u0085', 'evil\u202Egpj.exe', 'a\u2066b\u2069']) {
    assert.ok(!line.test(bad), JSON.stringify(bad));
    assert.ok(!text.test(bad), JSON.stringify(bad));
  }
  for (const multi of ['line one\nline two', 'a\r\nb', 'col\tcol']) {
    assert.ok(text.test(multi), JSON.stringify(multi));
    assert.ok(!line.test(multi), JSON.stringify(multi));
  }
});
