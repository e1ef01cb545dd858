// The support API on SQLite and PostgreSQL: recipients open, read and answer their own cases; the operator
// reads the queue, replies (emailed to the recipient) and changes status; everything lands in the audit trail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { auditOf, call, createSubscription, mailTo, openCase, validCase } from './support.testing.ts';

describeEachDatabase('support API', (ctx) => {
  test('a recipient opens a case, lists it and reads it', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config, { displayName: 'Ada Lovelace' });
    const response = await call(app, ada, 'POST', '/support/cases', {
      category: 'activation', subject: '  Stuck   setting up\n', description: 'Line one\r\nLine two  ',
    });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json();
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.status, 'open');
    assert.equal(created.category, 'activation');
    assert.equal(created.subject, 'Stuck setting up', 'the subject is one line, whitespace collapsed');
    assert.equal(created.description, 'Line one\nLine two', 'line breaks kept, ends trimmed');
    assert.equal(created.subscriptionId, null);
    assert.deepEqual(created.account, { id: ada.id, email: ada.email, displayName: 'Ada Lovelace' });
    assert.deepEqual(created.messages, []);
    assert.equal(created.createdAt, created.updatedAt);

    const list = await call(app, ada, 'GET', '/support/cases');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items.map((c: { id: string }) => c.id), [created.id]);
    assert.equal(list.json().nextCursor, null);
    assert.equal(list.json().items[0].messages, undefined, 'lists carry no messages');

    const one = await call(app, ada, 'GET', `/support/cases/${created.id}`);
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json(), created);

    const trail = await auditOf(app, created.id);
    assert.deepEqual(trail.map((e) => [e.action, e.actorType]), [['support_case.created', 'account']]);
    assert.deepEqual(trail[0]!.details, { category: 'activation', subscriptionId: null });
  });

  test('a case may be about one of the account\'s own subscriptions; another\'s is 404 and nothing is created', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const bob = await createAccount(app, config);
    const own = await createSubscription(app, ada.id);
    const bobs = await createSubscription(app, bob.id);

    const created = await openCase(app, ada, { ...validCase, category: 'activation', subscriptionId: own });
    assert.equal(created.subscriptionId, own);

    for (const subscriptionId of [bobs, 'no-such-subscription']) {
      const refused = await call(app, ada, 'POST', '/support/cases', { ...validCase, subscriptionId });
      assert.equal(refused.statusCode, 404, refused.body);
      assert.equal(refused.json().code, 'not_found');
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    const cases = await app.services.db.selectFrom('support_cases').select('id').where('account_id', '=', ada.id).execute();
    assert.equal(cases.length, 1);
  });

  test('bad input gets clear messages for each field and changes nothing', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const cases = [
      { body: { category: 'technical', subject: ' \n ', description: '\t' }, errors: { subject: 'Enter a subject.', description: 'Enter a description.' } },
      { body: { ...validCase, subject: 'x'.repeat(201) }, errors: { subject: 'Subject must be 200 characters or fewer (it has 201).' } },
      { body: { ...validCase, description: 'y'.repeat(10_001) }, errors: { description: 'Description must be 10,000 characters or fewer (it has 10,001).' } },
    ];
    for (const { body, errors } of cases) {
      const response = await call(app, ada, 'POST', '/support/cases', body);
      assert.equal(response.statusCode, 400, response.body);
      const problem = response.json();
      assert.equal(problem.code, 'validation_failed');
      assert.deepEqual(Object.fromEntries(problem.errors.map((e: { path: string; message: string }) => [e.path, e.message])), errors);
    }
    // NUL and other control characters are refused at the schema (PostgreSQL cannot store NUL), on both databases.
    for (const body of [{ ...validCase, category: 'refund' }, { subject: 'No category', description: 'x' }, { ...validCase, subject: 42 }, [],
      { ...validCase, description: 'a\u0000b' }, { ...validCase, subject: 'a\u001bb' }, { ...validCase, subject: 'evil\u202Etxt' }]) {
      const response = await call(app, ada, 'POST', '/support/cases', body);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().code, 'validation_failed');
    }
    const none = await app.services.db.selectFrom('support_cases').select('id').where('account_id', '=', ada.id).execute();
    assert.equal(none.length, 0);

    // The limits themselves are fine, counted in characters (an emoji is one).
    const atLimit = await openCase(app, ada, { category: 'billing', subject: '€'.repeat(199) + '😀', description: `ab${'c'.repeat(9_998)}` });
    assert.equal([...(atLimit.subject as string)].length, 200);
    assert.equal((atLimit.description as string).slice(0, 3), 'abc');
  });

  test('other people\'s cases do not exist for a recipient; no sign-in is 401, a platform key 403', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const eve = await createAccount(app, config);
    const adas = await openCase(app, ada);

    assert.equal((await call(app, eve, 'GET', `/support/cases/${adas.id}`)).statusCode, 404);
    const write = await call(app, eve, 'POST', `/support/cases/${adas.id}/messages`, { body: 'Let me in' });
    assert.equal(write.statusCode, 404);
    assert.equal(write.json().code, 'not_found');
    assert.deepEqual((await call(app, eve, 'GET', '/support/cases')).json().items, []);
    assert.equal((await call(app, eve, 'PATCH', `/support/cases/${adas.id}`, { status: 'closed' })).statusCode, 403);
    assert.equal((await call(app, ada, 'PATCH', `/support/cases/${adas.id}`, { status: 'closed' })).statusCode, 403, 'only the operator changes status');
    assert.equal((await call(app, ada, 'GET', '/support/cases/no-such-case')).statusCode, 404);

    assert.equal((await call(app, null, 'GET', '/support/cases')).statusCode, 401);
    assert.equal((await call(app, null, 'POST', '/support/cases', validCase)).statusCode, 401);
    const platform = { authorization: await apiKeyHeader(app, 'platform') };
    assert.equal((await call(app, platform, 'GET', '/support/cases')).statusCode, 403);
    assert.equal((await call(app, platform, 'GET', `/support/cases/${adas.id}`)).statusCode, 403);

    const messages = await app.services.db.selectFrom('support_messages').select('id').where('case_id', '=', adas.id).execute();
    assert.equal(messages.length, 0);
  });

  test('the operator reads the queue, replies, and the reply is emailed to the recipient with a link to the case', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config, { displayName: 'Ada Lovelace' });
    const bob = await createAccount(app, config);
    const adas = await openCase(app, ada, { ...validCase, subject: 'Ada needs help' });
    const bobs = await openCase(app, bob, { ...validCase, subject: 'Bob needs help' });
    const operator = { authorization: await apiKeyHeader(app, 'operator') };

    const queue = (await call(app, operator, 'GET', '/support/cases')).json();
    assert.ok(queue.items.some((c: { id: string }) => c.id === adas.id));
    assert.ok(queue.items.some((c: { id: string }) => c.id === bobs.id));

    const replied = await call(app, operator, 'POST', `/support/cases/${adas.id}/messages`, { body: 'Hello Ada,\nplease try again now.' });
    assert.equal(replied.statusCode, 201, replied.body);
    const afterReply = replied.json();
    assert.equal(afterReply.status, 'waiting', 'an answered case waits for the recipient');
    assert.equal(afterReply.messages.length, 1);
    assert.equal(afterReply.messages[0].authorType, 'operator');
    assert.equal(afterReply.messages[0].authorName, 'Support team');
    assert.equal(afterReply.messages[0].body, 'Hello Ada,\nplease try again now.');
    assert.ok(afterReply.updatedAt >= (adas.updatedAt as string));

    const mails = await mailTo(app, ada.email);
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.equal(mail.subject, 'New reply to your support case: Ada needs help');
    assert.ok(mail.text_body.includes(`${config.publicUrl.origin}/support/${adas.id}`), mail.text_body);
    assert.ok(mail.text_body.includes('> please try again now.'));
    assert.ok(mail.html_body!.includes(`href="${config.publicUrl.origin}/support/${adas.id}"`));
    assert.equal((await mailTo(app, bob.email)).length, 0);

    const waiting = (await call(app, operator, 'GET', '/support/cases?status=waiting')).json().items.map((c: { id: string }) => c.id);
    assert.ok(waiting.includes(adas.id));
    assert.ok(!waiting.includes(bobs.id));
    const open = (await call(app, operator, 'GET', '/support/cases?status=open')).json().items.map((c: { id: string }) => c.id);
    assert.ok(open.includes(bobs.id) && !open.includes(adas.id));
    assert.equal((await call(app, operator, 'GET', '/support/cases?status=lost')).statusCode, 400);

    const trail = await auditOf(app, adas.id);
    const actions = trail.map((e) => e.action).sort();
    assert.deepEqual(actions, ['support_case.created', 'support_case.message_added', 'support_case.status_changed']);
    const change = trail.find((e) => e.action === 'support_case.status_changed')!;
    assert.equal(change.actorType, 'apikey');
    assert.deepEqual(change.details, { from: 'open', to: 'waiting', reason: 'message' });
  });

  test('the recipient answering a waiting or closed case opens it again; the operator closes it', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const operator = { authorization: await apiKeyHeader(app, 'operator') };
    const adas = await openCase(app, ada);
    await call(app, operator, 'POST', `/support/cases/${adas.id}/messages`, { body: 'Does it work now?' });

    const answered = await call(app, ada, 'POST', `/support/cases/${adas.id}/messages`, { body: 'No, still blank.' });
    assert.equal(answered.statusCode, 201, answered.body);
    assert.equal(answered.json().status, 'open');
    assert.deepEqual(answered.json().messages.map((m: { authorType: string; body: string }) => [m.authorType, m.body]), [
      ['operator', 'Does it work now?'], ['account', 'No, still blank.'],
    ], 'oldest first');

    const closed = await call(app, operator, 'PATCH', `/support/cases/${adas.id}`, { status: 'closed' });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().status, 'closed');
    const again = await call(app, operator, 'PATCH', `/support/cases/${adas.id}`, { status: 'closed' });
    assert.equal(again.json().status, 'closed');
    assert.equal((await call(app, operator, 'PATCH', `/support/cases/${adas.id}`, { status: 'solved' })).statusCode, 400);
    assert.equal((await call(app, operator, 'PATCH', '/support/cases/no-such-case', { status: 'open' })).statusCode, 404);

    const reopened = await call(app, ada, 'POST', `/support/cases/${adas.id}/messages`, { body: 'Sorry, one more thing.' });
    assert.equal(reopened.json().status, 'open');
    assert.equal((await mailTo(app, ada.email)).length, 1, 'only the operator\'s reply is emailed');

    const changes = (await auditOf(app, adas.id)).filter((e) => e.action === 'support_case.status_changed').map((e) => `${String(e.details.from)}→${String(e.details.to)}`);
    assert.deepEqual(changes.sort(), ['closed→open', 'open→closed', 'open→waiting', 'waiting→open'].sort(), 'closing twice is recorded once');
  });

  test('replies sent at the same moment are all kept, and reopen a waiting case exactly once', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const operator = { authorization: await apiKeyHeader(app, 'operator') };
    const adas = await openCase(app, ada);
    await call(app, operator, 'POST', `/support/cases/${adas.id}/messages`, { body: 'Anything else?' });
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => call(app, ada, 'POST', `/support/cases/${adas.id}/messages`, { body: `Reply ${n}` })));
    assert.deepEqual(replies.map((r) => r.statusCode), [201, 201, 201, 201, 201]);
    const full = (await call(app, ada, 'GET', `/support/cases/${adas.id}`)).json();
    assert.equal(full.status, 'open');
    assert.equal(full.messages.length, 6);
    const reopenings = (await auditOf(app, adas.id)).filter((e) => e.action === 'support_case.status_changed' && e.details.to === 'open');
    assert.equal(reopenings.length, 1);
  });

  test('message bodies are validated like descriptions', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const adas = await openCase(app, ada);
    for (const [body, message] of [['   ', 'Enter a message.'], ['z'.repeat(10_001), 'Message must be 10,000 characters or fewer (it has 10,001).']] as const) {
      const response = await call(app, ada, 'POST', `/support/cases/${adas.id}/messages`, { body });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json().errors, [{ path: 'body', message }]);
    }
    assert.equal((await call(app, ada, 'POST', `/support/cases/${adas.id}/messages`, {})).statusCode, 400);
    const stored = await app.services.db.selectFrom('support_messages').select('id').where('case_id', '=', adas.id).execute();
    assert.equal(stored.length, 0);
  });

  test('an operator admin\'s session sees the queue, and answers its own case as the recipient', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const admin = await createAccount(app, config, { operatorAdmin: true, displayName: 'Olivia Operator' });
    const adas = await openCase(app, ada);
    const own = await openCase(app, admin, { ...validCase, subject: 'The admin\'s own problem' });

    const queue = (await call(app, admin, 'GET', '/support/cases')).json().items.map((c: { id: string }) => c.id);
    assert.ok(queue.includes(adas.id) && queue.includes(own.id));
    assert.equal((await call(app, admin, 'GET', `/support/cases/${adas.id}`)).statusCode, 200);

    const answer = await call(app, admin, 'POST', `/support/cases/${adas.id}/messages`, { body: 'On it.' });
    assert.equal(answer.json().messages[0].authorType, 'operator');
    const note = await call(app, admin, 'POST', `/support/cases/${own.id}/messages`, { body: 'More details.' });
    assert.equal(note.json().messages[0].authorType, 'account');
    assert.equal(note.json().messages[0].authorName, 'Olivia Operator');
    const byAdmin = (await auditOf(app, adas.id)).find((e) => e.action === 'support_case.message_added')!;
    assert.equal(byAdmin.actorType, 'admin');
  });

  test('the case opened when provisioning fails is the recipient\'s, with the system message', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const subscriptionId = await createSubscription(app, ada.id, 'provisioning');
    assert.equal(await app.services.provisioning.giveUp(subscriptionId, 'the platform answered 500'), true);

    const [supportCase] = (await call(app, ada, 'GET', '/support/cases')).json().items;
    assert.equal(supportCase.subscriptionId, subscriptionId);
    assert.equal(supportCase.category, 'activation');
    const full = (await call(app, ada, 'GET', `/support/cases/${supportCase.id}`)).json();
    assert.equal(full.messages.length, 1);
    assert.equal(full.messages[0].authorType, 'system');
    assert.equal(full.messages[0].authorName, 'cloudpass');
    assert.match(full.messages[0].body, /the platform answered 500/);
  });

  test('lists page with limit and nextCursor, newest activity first, never skipping or repeating', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await openCase(app, ada, { ...validCase, subject: `Case ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&before=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = (await call(app, ada, 'GET', `/support/cases${query}`)).json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.equal(new Set(seen).size, 5);
    assert.equal((await call(app, ada, 'GET', '/support/cases?before=garbage')).statusCode, 400);
    assert.equal((await call(app, ada, 'GET', '/support/cases?limit=0')).statusCode, 400);
    assert.equal((await call(app, ada, 'GET', '/support/cases?limit=201')).statusCode, 400);
  });
});
