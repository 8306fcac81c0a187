"""Two instances on one database: one issuer, one key set; a code issued by A is redeemed at B."""

import pytest
import requests

import rp

pytestmark = pytest.mark.skipif(not rp.BASE_B, reason="OIDC_BASE_B not set (one instance)")


def test_same_discovery():
    a = rp.discovery(rp.BASE_A)
    b = rp.discovery(rp.BASE_B)
    assert a == b
    assert a["issuer"] == rp.ISSUER


def test_same_jwks():
    a = requests.get(f"{rp.BASE_A}/jwks.json", timeout=rp.TIMEOUT)
    b = requests.get(f"{rp.BASE_B}/jwks.json", timeout=rp.TIMEOUT)
    key = lambda k: k["kid"]  # noqa: E731
    assert sorted(a.json()["keys"], key=key) == sorted(b.json()["keys"], key=key)


def test_code_from_a_redeemed_at_b(confidential):
    t = rp.code_flow(confidential, base=rp.BASE_A, redeem_at=rp.BASE_B,
                     scope="openid profile offline_access")
    c = rp.verify_id_token(t["id_token"], confidential, nonce=t["_nonce"],
                           access_token=t["access_token"], base=rp.BASE_B)
    assert c["iss"] == rp.ISSUER
    rp.check_access_token(t["access_token"], base=rp.BASE_B)
    assert rp.userinfo(t["access_token"], base=rp.BASE_A).status_code == 200
    assert rp.userinfo(t["access_token"], base=rp.BASE_B).status_code == 200
    # A replay at A of the code B redeemed: invalid_grant there too.
    r = rp.redeem(confidential, t["_code"], t["_verifier"], base=rp.BASE_A)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert rp.userinfo(t["access_token"], base=rp.BASE_B).status_code == 401


def test_login_at_b_authorize_at_b_tokens_at_a(public):
    b = rp.Browser(base=rp.BASE_B)
    t = rp.code_flow(public, b, base=rp.BASE_B, redeem_at=rp.BASE_A)
    c = rp.verify_id_token(t["id_token"], public, nonce=t["_nonce"], access_token=t["access_token"])
    assert c["iss"] == rp.ISSUER, "the issuer is PUBLIC_URL whichever instance answers"


def test_refresh_at_the_other_instance(confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    r = requests.post(f"{rp.BASE_B}/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": t["refresh_token"]},
                      auth=confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
