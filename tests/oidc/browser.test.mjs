// The browser leg: real Chromium (Debian's, through playwright-core) meets the login page and a
// consent page, as an employee would, for a client registered with consent: true.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { BASE_A, ISSUER, EMPLOYEE, PASSWORD, registerClient, decodeJwt } from './common.mjs';

// The client's redirect URI: a real listener on a free loopback port that records each callback.
let onCallback = () => {};
const callbackServer = createServer((req, res) => {
  // Only the redirect URI itself: Chromium also asks this origin for /favicon.ico.
  const url = new URL(req.url, REDIRECT);
  if (url.pathname === new URL(REDIRECT).pathname) onCallback(url);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<p>back at the client</p>');
});
await new Promise((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
const REDIRECT = `http://127.0.0.1:${callbackServer.address().port}/browser-cb`;
after(() => callbackServer.close());

const browser = await chromium.launch({
  executablePath: process.env.OIDC_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
after(() => browser.close());

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// Opens /authorize in the page and resolves with the callback URL the service sends it to; the
// client's redirect URI is answered by the test itself (nothing listens there).
async function authorize(page, client, onPage) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const url = new URL(`${BASE_A}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT,
    scope: 'openid profile email', state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
  });
  // The callback, or the browser's refusal to get there (a CSP violation is logged, nothing
  // navigates: fail at once with the browser's own words rather than time out).
  let refuse;
  const callback = new Promise((resolve, reject) => { onCallback = resolve; refuse = reject; });
  callback.catch(() => {});
  const onConsole = (m) => {
    if (/Content Security Policy|ERR_BLOCKED/i.test(m.text())) refuse(new Error(`Chromium refused: ${m.text()}`));
  };
  page.on('console', onConsole);
  if (process.env.OIDC_DEBUG) page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 300)));
  if (process.env.OIDC_DEBUG) page.on('response', (r) => console.log('resp', r.status(), r.url().slice(0, 100), r.headers().location ?? ''));
  await page.goto(url.href);
  const seen = await onPage(page, callback).finally(() => page.off('console', onConsole));
  const cb = await Promise.race([callback, new Promise((_, reject) => setTimeout(
    () => reject(new Error(`no callback; the page is at ${page.url()}`)), 15000))]);
  assert.equal(cb.searchParams.get('state'), state);
  assert.ok(cb.searchParams.get('code'), cb.href);
  const res = await fetch(`${BASE_A}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: cb.searchParams.get('code'),
      redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const tokens = JSON.parse(text);
  const { claims } = decodeJwt(tokens.id_token);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.aud, client.client_id);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.sub, '10198');
  return { tokens, seen };
}

const approve = /^(approve|allow|accept|authori[sz]e|consent|grant|yes|continue)\b/i;

test('login page and consent page in Chromium, consent asked once', { timeout: 60000 }, async () => {
  const client = await registerClient({ confidential: true, consent: true, redirect: REDIRECT });
  const context = await browser.newContext();
  const page = await context.newPage();
  const first = await authorize(page, client, async (p, callback) => {
    await p.getByLabel(/email/i).or(p.locator('input[name="username"]')).first().fill(EMPLOYEE);
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: /^(sign in|log in|login)$/i }).click();
    if (process.env.OIDC_DEBUG) console.log('clicked sign in');
    // The consent page names the scopes and has an approve button.
    const button = p.getByRole('button', { name: approve });
    await button.waitFor({ timeout: 10000 });
    if (process.env.OIDC_DEBUG) console.log('consent button visible');
    const text = await p.locator('body').innerText();
    assert.match(text, /profile/);
    assert.match(text, /email/);
    await button.click();
    await callback;
    return 'consent';
  });
  assert.equal(first.seen, 'consent');
  // Same browser, same employee and client: straight back, no login, no consent.
  const second = await authorize(page, client, async (p, callback) => {
    const winner = await Promise.race([
      callback.then(() => 'callback'),
      p.getByRole('button', { name: approve }).waitFor({ timeout: 10000 }).then(() => 'consent', () => 'timeout'),
    ]);
    return winner;
  });
  assert.equal(second.seen, 'callback', 'consent is asked once per employee and client');
  await context.close();
});

test('a wrong password in Chromium keeps the flow on the login page', { timeout: 60000 }, async () => {
  const client = await registerClient({ confidential: true, redirect: REDIRECT });
  const context = await browser.newContext();
  const page = await context.newPage();
  const { tokens } = await authorize(page, client, async (p, callback) => {
    await p.locator('input[name="username"]').fill(EMPLOYEE);
    await p.locator('input[name="password"]').fill('wrong-password');
    await p.getByRole('button', { name: /^(sign in|log in|login)$/i }).click();
    await p.getByText('Incorrect username or password').waitFor({ timeout: 10000 });
    assert.equal(await p.locator('input[name="username"]').inputValue(), EMPLOYEE, 'the email is kept');
    await p.locator('input[name="password"]').fill(PASSWORD);
    await p.getByRole('button', { name: /^(sign in|log in|login)$/i }).click();
    await callback;
    return 'ok';
  });
  assert.ok(tokens.access_token);
  await context.close();
});
