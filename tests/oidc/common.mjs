// What both Node relying parties share: the service's URLs, an admin token, client
// registration, and a login driven with fetch and a cookie jar (no browser).
import assert from 'node:assert/strict';

export const BASE_A = (process.env.OIDC_BASE_A ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
export const BASE_B = (process.env.OIDC_BASE_B ?? '').replace(/\/$/, '') || null;
export const ISSUER = (process.env.OIDC_ISSUER ?? BASE_A).replace(/\/$/, '');
export const ADMIN = 'behai_nguyen@hotmail.com';
export const EMPLOYEE = 'pranav.furedi.10198@gmail.com';
export const PASSWORD = 'password';
export const REDIRECT = 'http://127.0.0.1:47999/node-cb';
export const POST_LOGOUT = 'http://127.0.0.1:47999/node-out';

export async function passwordToken(username = ADMIN, base = BASE_A) {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `password grant: ${res.status} ${await res.clone().text()}`);
  return (await res.json()).access_token;
}

export async function registerClient({ confidential = true, consent = false, redirect = REDIRECT,
  scopes = ['openid', 'profile', 'email', 'offline_access', 'me', 'directory'] } = {}) {
  const admin = await passwordToken(ADMIN);
  const res = await fetch(`${BASE_A}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `node-rp-${Math.random().toString(16).slice(2, 8)}`,
      redirect_uris: [redirect],
      post_logout_redirect_uris: [POST_LOGOUT],
      confidential,
      allowed_scopes: scopes,
      grant_types: ['authorization_code', 'refresh_token'],
      consent,
    }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `POST /admin/clients: ${res.status} ${text}`);
  return JSON.parse(text);
}

// A cookie jar good enough for one host: name=value pairs from Set-Cookie.
export class Jar {
  constructor() { this.cookies = new Map(); }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

// Walks /authorize like a person without JavaScript: the login page (by redirect or in place),
// then back, until the service redirects to the client. Returns the callback URL.
export async function browse(url, { jar = new Jar(), username = EMPLOYEE, clientPrefix = 'http://127.0.0.1:47999/' } = {}) {
  let next = new URL(url);
  let init = { method: 'GET' };
  for (let step = 0; step < 12; step++) {
    const res = await fetch(next, {
      ...init, redirect: 'manual',
      headers: { ...(init.headers ?? {}), cookie: jar.header(), accept: 'text/html' },
    });
    jar.take(res);
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      const loc = new URL(res.headers.get('location'), next);
      if (loc.href.startsWith(clientPrefix)) return { callback: loc, jar };
      next = loc; init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    if (res.status === 200 && /name="password"/.test(html)) {
      const form = html.match(/<form[^>]*action="([^"]*)"[\s\S]*?<\/form>/);
      const fields = new URLSearchParams();
      for (const m of form[0].matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
        const name = m[0].match(/name="([^"]*)"/)?.[1];
        const value = m[0].match(/value="([^"]*)"/)?.[1] ?? '';
        if (name) fields.set(name, decodeEntities(value));
      }
      fields.set('username', username);
      fields.set('password', PASSWORD);
      next = new URL(decodeEntities(form[1]) || next.href, next);
      init = { method: 'POST', body: fields, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    throw new Error(`authorize stopped at ${next.href}: ${res.status} ${html.slice(0, 300)}`);
  }
  throw new Error('too many steps');
}

export function decodeEntities(s) {
  return s.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}
