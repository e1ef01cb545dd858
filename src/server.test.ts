// `cloudpass serve` as `npm start` runs it: bin/cloudpass.js and the build in dist/ (scripts/build.js),
// not the TypeScript the other suites run through tsx. What a bundle can lose is checked here: the
// files found next to the code (assets, message catalogues, package.json), API docs served from
// @fastify/swagger-ui's own folder, JSX, and what is loaded when first needed (the common-password list).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { createTestDatabase } from './testing/harness.ts';
import { freePort, killSpawned, spawnCloudpass } from './testing/server.ts';

after(killSpawned);

test('the build serves pages, assets, the API and its docs', { timeout: 180_000 }, async () => {
  const database = await createTestDatabase('sqlite');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnCloudpass(['serve'], { DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url });
  let firstOutput = '';
  server.child.stdout?.on('data', (chunk: Buffer) => { if (firstOutput.length < 500) firstOutput += chunk.toString(); });
  try {
    for (let ready = false; !ready;) {
      if (server.child.exitCode !== null) assert.fail(`serve exited with ${server.child.exitCode}:\n${server.output()}`);
      ready = (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
      if (!ready) await sleep(50);
    }

    const signUp = await fetch(`${url}/signup`);
    assert.equal(signUp.status, 200);
    const page = await signUp.text();
    assert.match(page, /<form[^>]*>/, 'a page rendered from JSX');
    assert.match(page, /<option value="FI">Finland<\/option>/, 'with the English country names');
    const finnish = await (await fetch(`${url}/signup`, { headers: { 'accept-language': 'fi' } })).text();
    assert.match(finnish, /<html lang="fi"/, 'the message catalogues are found');

    const css = await fetch(`${url}/assets/app.css`);
    assert.equal(css.status, 200);
    assert.equal(await css.text(), readFileSync(new URL('./web/assets/app.css', import.meta.url), 'utf8'));

    const spec = await fetch(`${url}/api/openapi.json`);
    assert.equal(spec.status, 200);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(((await spec.json()) as { info: { version: string } }).info.version, version);

    const docs = await fetch(`${url}/api/docs/static/index.html`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/);
    const docsScript = await fetch(`${url}/api/docs/static/swagger-ui-bundle.js`);
    assert.equal(docsScript.status, 200);
    assert.ok((await docsScript.arrayBuffer()).byteLength > 100_000);

    // The common-password list is loaded at the first password check.
    const weak = await fetch(`${url}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ email: 'ada@example.com', password: 'password123', displayName: 'Ada', country: 'FI' }),
    });
    assert.equal(weak.status, 400, await weak.clone().text());
    assert.equal(((await weak.json()) as { code: string }).code, 'weak_password');
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.ok(firstOutput.startsWith(`cloudpass is running: recipients open ${url}/redeem and operators ${url}/admin\n`), firstOutput);
    await database.drop();
  }
});
