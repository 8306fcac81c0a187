"""Every refusal: PKCE, unknown clients and redirect URIs, code misuse, forged tokens."""

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto import jwk

import rp


def error_redirect(client, **kw):
    url, _, params = rp.auth_url(client, **kw)
    out = rp.Browser().authorize(url)
    q = out.params
    assert q.get("error"), ("an error redirect", q)
    assert "code" not in q
    assert q.get("state") == params["state"], ("the error carries state", q)
    assert out.callback.startswith(client.redirect_uri + "?")
    return q


def test_plain_pkce_refused(public):
    q = error_redirect(public, method="plain", challenge="x" * 43)
    assert q["error"] == "invalid_request", q
    assert q.get("error_description")


def test_missing_challenge_refused(confidential):
    q = error_redirect(confidential, challenge=None, method=None)
    assert q["error"] == "invalid_request", q


def test_challenge_without_method_refused_or_s256(public):
    """RFC 7636 makes a missing method mean plain; plain is refused."""
    q = error_redirect(public, method=None)
    assert q["error"] == "invalid_request", q


def test_unsupported_response_type(confidential):
    q = error_redirect(confidential, response_type="token")
    assert q["error"] == "unsupported_response_type", q


def test_scope_the_client_is_not_allowed_only(confidential):
    """Nothing of what was asked is allowed: invalid_scope (or an empty grant, never a wider one)."""
    url, verifier, params = rp.auth_url(confidential, scope="admin hr")
    out = rp.Browser(username=rp.ADMIN).authorize(url)
    q = out.params
    assert q.get("state") == params["state"]
    if "error" in q:
        assert q["error"] == "invalid_scope", q
    else:
        r = rp.redeem(confidential, q["code"], verifier)
        assert r.status_code == 200, r.text
        assert not ({"admin", "hr"} & set(r.json()["scope"].split())), r.json()["scope"]


def assert_error_page(r: requests.Response):
    assert 400 <= r.status_code < 500, (r.status_code, r.headers.get("Location"))
    assert "Location" not in r.headers, ("never a redirect", r.headers.get("Location"))


@pytest.mark.parametrize("logged_in", [False, True])
def test_unknown_client_error_page(logged_in, confidential):
    b = rp.Browser()
    if logged_in:
        b.login()
    url, _, _ = rp.auth_url(confidential)
    url = url.replace(f"client_id={confidential.client_id}", "client_id=no-such-client")
    r = b.s.get(url, allow_redirects=False, timeout=rp.TIMEOUT)
    assert_error_page(r)


def test_missing_client_id_error_page(confidential):
    url, _, params = rp.auth_url(confidential)
    params.pop("client_id")
    r = requests.get(f"{rp.BASE_A}/authorize?{urlencode(params)}", allow_redirects=False,
                     timeout=rp.TIMEOUT)
    assert_error_page(r)


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:47999/cb/",                 # trailing slash
    "http://127.0.0.1:47999/cb?x=1",              # extra query
    "http://127.0.0.1:47999/CB",                  # case of the path
    "http://127.0.0.1:10/cb",                 # other port
    "http://localhost:9/cb",                  # other loopback name
    "https://127.0.0.1:47999/cb",                 # other scheme
    "http://evil.example/cb",                 # elsewhere
    "http://127.0.0.1:47999/cb#frag",
])
@pytest.mark.parametrize("logged_in", [False, True])
def test_unregistered_redirect_uri_error_page(uri, logged_in, confidential):
    b = rp.Browser()
    if logged_in:
        b.login()
    url, _, _ = rp.auth_url(confidential, redirect_uri=uri)
    r = b.s.get(url, allow_redirects=False, timeout=rp.TIMEOUT)
    assert_error_page(r)


def test_missing_redirect_uri_error_page_or_registered(confidential):
    """Without redirect_uri (OIDC requires it): an error page, never a redirect elsewhere."""
    url, _, params = rp.auth_url(confidential)
    params.pop("redirect_uri")
    b = rp.Browser()
    b.login()
    r = b.s.get(f"{rp.BASE_A}/authorize?{urlencode(params)}", allow_redirects=False,
                timeout=rp.TIMEOUT)
    if r.is_redirect:
        assert r.headers["Location"].startswith(confidential.redirect_uri), r.headers["Location"]
    else:
        assert_error_page(r)


# --- the code at the token endpoint -------------------------------------------------------


def get_code(client, browser=None, **kw):
    url, verifier, params = rp.auth_url(client, **kw)
    out = (browser or rp.Browser()).authorize(url)
    return out.params["code"], verifier


def test_code_reuse_is_invalid_grant_and_ends_the_session(confidential):
    code, verifier = get_code(confidential, scope="openid offline_access")
    first = rp.redeem(confidential, code, verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    second = rp.redeem(confidential, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant", second.text
    assert rp.userinfo(tokens["access_token"]).status_code == 401, "the replay ends the session"
    assert rp.users_me(tokens["access_token"]).status_code == 401
    if rp.BASE_B:
        assert rp.userinfo(tokens["access_token"], base=rp.BASE_B).status_code == 401
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": tokens["refresh_token"]},
                      auth=confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_wrong_code_verifier(public):
    code, verifier = get_code(public)
    wrong, _ = rp.pkce_pair()
    r = rp.redeem(public, code, wrong)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_missing_code_verifier(public):
    code, _ = get_code(public)
    r = rp.redeem(public, code, None)
    assert r.status_code == 400 and r.json()["error"] in ("invalid_grant", "invalid_request"), r.text


def test_code_redeemed_by_another_client(confidential, other_confidential):
    code, verifier = get_code(confidential)
    r = rp.redeem(other_confidential, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    # (and the rightful client, after that attempt, may or may not still redeem it: not asserted)


def test_code_redeemed_by_a_public_client_with_the_confidential_clients_id(confidential):
    """A confidential client's code without its secret: invalid_client."""
    code, verifier = get_code(confidential)
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "authorization_code", "code": code,
                                                 "redirect_uri": confidential.redirect_uri,
                                                 "code_verifier": verifier,
                                                 "client_id": confidential.client_id},
                      timeout=rp.TIMEOUT)
    assert r.status_code in (400, 401) and r.json()["error"] == "invalid_client", r.text


def test_wrong_client_secret(confidential):
    code, verifier = get_code(confidential)
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "authorization_code", "code": code,
                                                 "redirect_uri": confidential.redirect_uri,
                                                 "code_verifier": verifier},
                      auth=(confidential.client_id, "not-the-secret"), timeout=rp.TIMEOUT)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    assert r.headers.get("WWW-Authenticate", "").lower().startswith("basic"), r.headers


def test_code_with_another_redirect_uri():
    client = rp.register_client(redirect_uris=[rp.REDIRECT, rp.OTHER_REDIRECT])
    code, verifier = get_code(client)
    r = rp.redeem(client, code, verifier, redirect_uri=rp.OTHER_REDIRECT)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_unknown_code(confidential):
    r = rp.redeem(confidential, "no-such-code", rp.pkce_pair()[0])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_second_redirect_uri_works_when_registered():
    client = rp.register_client(redirect_uris=[rp.REDIRECT, rp.OTHER_REDIRECT])
    url, verifier, _ = rp.auth_url(client, redirect_uri=rp.OTHER_REDIRECT)
    out = rp.Browser().authorize(url)
    assert out.callback.startswith(rp.OTHER_REDIRECT + "?")
    r = rp.redeem(client, out.params["code"], verifier, redirect_uri=rp.OTHER_REDIRECT)
    assert r.status_code == 200, r.text


@pytest.mark.skip(reason="a code lives 60 s and the service has no knob to shorten it; "
                         "waiting a minute is left to a slow run")
def test_expired_code():
    pass


# --- forged tokens at the API -------------------------------------------------------------


@pytest.fixture(scope="module")
def good_token():
    """An access token of the password grant: the Tokens section holds for every token, whatever
    the flow (and these cases then do not wait on /authorize)."""
    return rp.password_token(rp.EMPLOYEE, scope="me")["access_token"]


def sign(header: dict, claims: dict, signer) -> str:
    h = rp.b64url(json.dumps(header, separators=(",", ":")).encode())
    c = rp.b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = signer(f"{h}.{c}".encode())
    return f"{h}.{c}.{rp.b64url(sig)}"


def es256_signer(private_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    def s(data):
        der = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s_ = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s_.to_bytes(32, "big")
    return s


def rs256_signer(private_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    return lambda data: private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def refused(token):
    r = rp.users_me(token)
    assert r.status_code == 401, (r.status_code, r.text[:200])
    assert 'error="invalid_token"' in r.headers.get("WWW-Authenticate", ""), r.headers
    if rp.BASE_B:
        assert rp.users_me(token, base=rp.BASE_B).status_code == 401


def test_good_token_works(good_token):
    assert rp.users_me(good_token).status_code == 200


def test_unknown_kid(good_token):
    header = rp.jose_header(good_token) | {"kid": rp.b64url(secrets.token_bytes(32))}
    key = ec.generate_private_key(ec.SECP256R1())
    refused(sign(header, rp.jose_claims(good_token), es256_signer(key)))


def test_published_kid_foreign_key(good_token):
    key = ec.generate_private_key(ec.SECP256R1())
    refused(sign(rp.jose_header(good_token), rp.jose_claims(good_token), es256_signer(key)))


def test_tampered_payload(good_token):
    h, c, s = good_token.split(".")
    claims = rp.jose_claims(good_token) | {"sub": "500222", "scope": "me directory hr admin"}
    forged = f"{h}.{rp.b64url(json.dumps(claims).encode())}.{s}"
    refused(forged)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none(good_token, alg):
    header = rp.jose_header(good_token) | {"alg": alg}
    h = rp.b64url(json.dumps(header).encode())
    c = good_token.split(".")[1]
    refused(f"{h}.{c}.")
    refused(f"{h}.{c}.{good_token.split('.')[2]}")


def public_key_secrets(jwk_dict: dict):
    """The forms in which a careless verifier might take a public key as an HMAC secret."""
    key = jwk.JWK(**jwk_dict)
    pem = key.export_to_pem()
    pub = serialization.load_pem_public_key(pem)
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    yield "pem", pem
    yield "pem-no-newline", pem.strip()
    yield "der", der
    yield "jwk-json", json.dumps(jwk_dict).encode()
    yield "jwk-public-json", key.export_public().encode()
    if jwk_dict["kty"] == "EC":
        yield "sec1-point", pub.public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint)
        yield "x", rp.b64url_decode(jwk_dict["x"])


@pytest.mark.parametrize("hs", ["HS256", "HS384", "HS512"])
def test_hmac_with_the_public_key_as_secret(good_token, hs):
    header = rp.jose_header(good_token)
    published = {k["kid"]: k for k in rp.jwks()["keys"]}
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[hs]
    for kid, k in published.items():
        for form, secret in public_key_secrets(k):
            forged = sign(header | {"alg": hs, "kid": kid}, rp.jose_claims(good_token),
                          lambda data: hmac.new(secret, data, digest).digest())
            r = rp.users_me(forged)
            assert r.status_code == 401, (hs, kid, form, r.status_code)


def test_hs256_without_kid_signed_with_a_guess(good_token):
    header = {"alg": "HS256", "typ": "JWT"}
    refused(sign(header, rp.jose_claims(good_token),
                 lambda data: hmac.new(b"x" * 32, data, hashlib.sha256).digest()))


def test_alg_swapped_to_the_other_published_key(good_token):
    """An ES256 token relabelled RS256 (and the kid of the RSA key), signed with a fresh RSA key;
    and the other way round: alg not the key's."""
    keys = rp.jwks()["keys"]
    rsa_kid = next(k["kid"] for k in keys if k["kty"] == "RSA")
    ec_kid = rp.jose_header(good_token)["kid"]
    claims = rp.jose_claims(good_token)
    rkey = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ekey = ec.generate_private_key(ec.SECP256R1())
    refused(sign({"alg": "RS256", "typ": "at+jwt", "kid": ec_kid}, claims, rs256_signer(rkey)))
    refused(sign({"alg": "ES256", "typ": "at+jwt", "kid": rsa_kid}, claims, es256_signer(ekey)))
    # The genuine signature under another alg name.
    h, c, s = good_token.split(".")
    for alg in ("ES384", "ES512", "RS256", "PS256", "EdDSA"):
        hdr = rp.b64url(json.dumps(rp.jose_header(good_token) | {"alg": alg}).encode())
        refused(f"{hdr}.{c}.{s}")


def test_expired_token_refused(good_token):
    key = ec.generate_private_key(ec.SECP256R1())
    claims = rp.jose_claims(good_token) | {"exp": int(time.time()) - 3600}
    refused(sign(rp.jose_header(good_token), claims, es256_signer(key)))


def test_id_token_is_not_an_access_token(public):
    t = rp.code_flow(public, scope="openid me")
    r = rp.users_me(t["id_token"])
    assert r.status_code == 401, ("an ID token is not accepted as an access token", r.status_code)
