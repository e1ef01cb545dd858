// The console's audit trail through app.inject on SQLite and PostgreSQL: filters by actor, action and
// subject (on the page and over the API), links in each row that narrow the trail, and paging that keeps them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage } from '../../testing/pages.ts';

describeEachDatabase('audit trail pages', (ctx) => {
  test('filters by actor, action and subject narrow the trail; each row links to its own filters', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const other = { type: 'admin' as const, id: null, label: 'other.admin@example.test' };
    const me = { type: 'admin' as const, id: admin.id, label: admin.email };
    const input = { name: 'Audited', credit: { amount: 100, currency: 'USD' }, validityDays: 5, redeemBy: '2099-01-01' };
    const mine = await app.services.campaigns.create(input, me);
    const theirs = await app.services.campaigns.create({ ...input, name: 'Theirs' }, other);
    await app.services.campaigns.setStatus(theirs.id, 'paused', other);

    const byActor = (await getPage(app, `/admin/audit?actor=${encodeURIComponent(other.label)}`, admin.cookie)).body;
    assert.ok(byActor.includes(theirs.id.slice(0, 8)));
    assert.ok(!byActor.includes(`title="${mine.id}"`), 'another actor\'s events are filtered out');
    assert.match(byActor, /<details class="card audit-filter" open>/);

    const byAction = (await getPage(app, '/admin/audit?action=campaign.status_changed', admin.cookie)).body;
    assert.ok(byAction.includes(`title="${theirs.id}"`));
    assert.ok(!byAction.includes(`title="${mine.id}"`));
    assert.match(byAction, /<option value="campaign.status_changed" selected>campaign.status_changed<\/option>/);

    const bySubject = (await getPage(app, `/admin/audit?subjectId=${mine.id}&actor=&action=&subjectType=`, admin.cookie)).body;
    assert.ok(bySubject.includes(`title="${mine.id}"`));
    assert.ok(!bySubject.includes(`title="${theirs.id}"`));
    // A row's action link keeps the filters already chosen and adds its own.
    assert.ok(bySubject.includes(`href="/admin/audit?subjectId=${mine.id}&amp;action=campaign.created"`));
    assert.match(bySubject, /<dt>name<\/dt><dd class="mono">Audited<\/dd>/);

    const none = (await getPage(app, '/admin/audit?action=nothing.ever', admin.cookie)).body;
    assert.match(none, /No entries match these filters\./);

    const key = await app.services.apiKeys.create({ name: 'audit reader', scope: 'operator' });
    const api = await app.inject({ url: `/api/v1/audit-events?actor=${encodeURIComponent(other.label)}&action=campaign.created`, headers: { authorization: `Bearer ${key.key}` } });
    assert.deepEqual(api.json().items.map((e: { subject: { id: string } }) => e.subject.id), [theirs.id]);
    const bySubjectType = await app.inject({ url: '/api/v1/audit-events?subjectType=campaign&limit=500', headers: { authorization: `Bearer ${key.key}` } });
    assert.ok(bySubjectType.json().items.every((e: { subject: { type: string } }) => e.subject.type === 'campaign'));
  });

  test('the trail speaks Finnish too, and stays for operators only', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const fi = await app.inject({ url: '/admin/audit', headers: { accept: 'text/html', cookie: `${admin.cookie}; cloudpass_lang=fi` } });
    assert.match(fi.body, /<h1>Tapahtumaloki<\/h1>/);
    const recipient = await createAccount(app, config);
    assert.equal((await getPage(app, '/admin/audit?action=x', recipient.cookie)).statusCode, 403);
  });
});
