import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { uniqueEmail } from '../testing/factories.ts';
import { describeEachDatabase } from '../testing/harness.ts';
import { readNewPasswordFromStdin } from './read-password.ts';

const PASSWORD = 'correct horse battery staple 42';

describeEachDatabase('admin create', (ctx) => {
  test('an existing email is refused unless --reset-password, and its password stays until then', async () => {
    const { app } = ctx();
    const { accounts } = app.services;
    const email = uniqueEmail('operator');
    assert.equal((await accounts.createOperatorAdmin({ email, password: PASSWORD })).created, true);
    await assert.rejects(accounts.createOperatorAdmin({ email, password: 'another password entirely 7' }), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'email_taken');
      assert.match(error.message, /--reset-password/);
      return true;
    });
    assert.ok(await accounts.authenticate({ email, password: PASSWORD }).then(() => true, () => false), 'the old password still works');
    const reset = await accounts.createOperatorAdmin({ email, password: 'another password entirely 7', resetPassword: true });
    assert.equal(reset.created, false);
    const events = (await app.services.audit.list({ subjectId: reset.account.id })).map((e) => e.action);
    assert.deepEqual(events, ['admin.promoted', 'admin.created']);
  });
});

test('a piped new password is read once, without its final newline', async () => {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  (input as unknown as PassThrough).end('s3cret pass\n');
  assert.equal(await readNewPasswordFromStdin(input), 's3cret pass');
});
