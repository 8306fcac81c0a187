// The second, independent relying party: Node's openid-client (v6) doing discovery,
// authorization code + PKCE (the login driven with fetch and cookies), userinfo, refresh,
// introspection and RP-initiated logout against the running service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import {
  BASE_A, BASE_B, ISSUER, EMPLOYEE, REDIRECT, POST_LOGOUT, registerClient, browse, decodeJwt, Jar,
} from './common.mjs';

const insecure = { execute: [oidc.allowInsecureRequests] }; // http on loopback, as in the tests

async function configFor(client) {
  const auth = client.client_secret ? oidc.ClientSecretBasic(client.client_secret) : oidc.None();
  return oidc.discovery(new URL(BASE_A), client.client_id, client.client_secret ?? undefined, auth, insecure);
}

async function codeFlow(config, { scope = 'openid profile email', jar = new Jar(), maxAge } = {}) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params = { redirect_uri: REDIRECT, scope, code_challenge: codeChallenge,
    code_challenge_method: 'S256', state, nonce };
  if (maxAge !== undefined) params.max_age = String(maxAge);
  const url = oidc.buildAuthorizationUrl(config, params);
  assert.ok(url.href.startsWith(`${ISSUER}/authorize?`), url.href);
  const { callback } = await browse(url, { jar });
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: scope.includes('openid'),
  });
  return { tokens, jar, nonce };
}

test('discovery', async () => {
  const client = await registerClient({ confidential: false });
  const config = await configFor(client);
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, ISSUER);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.ok(meta.jwks_uri && meta.userinfo_endpoint && meta.end_session_endpoint);
  assert.ok(meta.supportsPKCE());
});

for (const confidential of [false, true]) {
  test(`code + PKCE and userinfo, ${confidential ? 'confidential (client_secret_basic)' : 'public'} client`, async () => {
    const client = await registerClient({ confidential });
    const config = await configFor(client);
    // The ID token's signature checked with the published keys (jwks_uri), not only its claims.
    oidc.enableNonRepudiationChecks(config);
    const { tokens } = await codeFlow(config, { scope: 'openid profile email offline_access' });
    const claims = tokens.claims();
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, client.client_id);
    assert.equal(claims.sub, '10198');
    assert.ok(claims.sid && claims.auth_time && Array.isArray(claims.amr), JSON.stringify(claims));
    const { header } = decodeJwt(tokens.access_token);
    assert.equal(header.typ.toLowerCase().replace('application/', ''), 'at+jwt');
    assert.equal(header.alg, 'ES256');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.sub, '10198');
    assert.equal(info.email, EMPLOYEE);
    assert.equal(info.given_name, 'Pranav');
    assert.equal(info.family_name, 'Furedi');
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    const renewed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(renewed.access_token && renewed.refresh_token && renewed.refresh_token !== tokens.refresh_token);
  });
}

test('introspection and revocation with client authentication', async () => {
  const client = await registerClient({ confidential: true });
  const config = await configFor(client);
  const { tokens } = await codeFlow(config, { scope: 'openid offline_access' });
  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(active.active, true);
  assert.equal(active.sub, '10198');
  await oidc.tokenRevocation(config, tokens.refresh_token);
  const after = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(after.active, false);
});

test('RP-initiated logout', async () => {
  const client = await registerClient({ confidential: false });
  const config = await configFor(client);
  const { tokens, jar } = await codeFlow(config);
  const url = oidc.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state: 'node-bye',
  });
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  assert.ok([302, 303].includes(res.status), `logout: ${res.status}`);
  const loc = new URL(res.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, POST_LOGOUT);
  assert.equal(loc.searchParams.get('state'), 'node-bye');
  await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck));
});

test('max_age is honoured (auth_time checked by openid-client)', async () => {
  const client = await registerClient({ confidential: false });
  const config = await configFor(client);
  const { tokens } = await codeFlow(config, { maxAge: 300 });
  assert.ok(Math.abs(tokens.claims().auth_time - Date.now() / 1000) < 300);
});

test('the other instance publishes the same issuer', { skip: !BASE_B }, async () => {
  const res = await fetch(`${BASE_B}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).issuer, ISSUER);
});
