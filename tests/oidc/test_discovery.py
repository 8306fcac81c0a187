"""Discovery (OIDC Discovery 1.0, RFC 8414) and the published key set (RFC 7517)."""

import re

import pytest
import requests

import rp


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server"])
def test_metadata_documents(path):
    r = requests.get(f"{rp.BASE_A}{path}", timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/json")
    m = r.json()
    assert m["issuer"] == rp.ISSUER
    assert not m["issuer"].endswith("/")
    for name, path_ in [("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                        ("jwks_uri", "/jwks.json"), ("introspection_endpoint", "/token/introspect"),
                        ("revocation_endpoint", "/token/revoke")]:
        assert m.get(name) == rp.ISSUER + path_, (name, m.get(name))
    if "openid" in path:
        assert m.get("userinfo_endpoint") == rp.ISSUER + "/userinfo"
        assert m.get("end_session_endpoint") == rp.ISSUER + "/logout"
        assert m.get("subject_types_supported") == ["public"]
        assert set(m.get("id_token_signing_alg_values_supported", [])) == {"ES256", "RS256"}
        assert m.get("claims_supported"), "claims_supported"
    assert m["response_types_supported"] == ["code"]
    assert set(m["grant_types_supported"]) >= {"authorization_code", "refresh_token",
                                               "client_credentials", "password"}
    assert m["code_challenge_methods_supported"] == ["S256"]
    assert set(m["scopes_supported"]) >= {"openid", "profile", "email", "offline_access", "me",
                                          "directory", "manager", "hr", "admin"}
    assert set(m["token_endpoint_auth_methods_supported"]) >= {"client_secret_basic",
                                                               "client_secret_post", "none"}


def test_claims_supported_names_userinfo_claims():
    claims = set(rp.discovery()["claims_supported"])
    assert claims >= {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid",
                      "name", "given_name", "family_name", "email", "email_verified"}, claims


def test_jwks_published_with_cache_headers():
    r = requests.get(f"{rp.BASE_A}/jwks.json", timeout=rp.TIMEOUT)
    assert r.status_code == 200
    cc = r.headers.get("Cache-Control", "")
    assert "public" in cc and re.search(rf"max-age={rp.JWKS_MAX_AGE}\b", cc), cc
    keys = r.json()["keys"]
    assert keys, "at least one published key"
    ktys = {k["kty"] for k in keys}
    assert "EC" in ktys and "RSA" in ktys, ("an ES256 key and an RS256 key", ktys)
    for k in keys:
        assert k.get("kid"), k
        assert "d" not in k and "p" not in k and "q" not in k, "no private part is published"
        assert k.get("use", "sig") == "sig"
        if k["kty"] == "EC":
            assert k["crv"] == "P-256" and k.get("alg", "ES256") == "ES256", k
        else:
            assert k.get("alg", "RS256") == "RS256", k
    assert len({k["kid"] for k in keys}) == len(keys), "kids are unique"


def test_kid_is_rfc7638_thumbprint():
    from jwcrypto import jwk
    for k in rp.jwks()["keys"]:
        assert jwk.JWK(**k).thumbprint() == k["kid"], k
