"""Key rotation (last in the run: it changes the signing key under the other tests' feet).

POST /admin/keys/rotate: the new key is in /jwks.json before it signs (at least
JWKS_MAX_AGE_SECONDS before); after that new tokens carry the new kid; tokens of the retired key
still verify, at the service and with the published keys; a retired key's id_token_hint is
honoured by logout."""

import time
from urllib.parse import urlencode

import pytest
import requests

import rp


def kids(base=rp.BASE_A):
    return {k["kid"] for k in rp.jwks(base)["keys"] if k["kty"] == "EC"}


def fresh_access_token(base=rp.BASE_A):
    t = rp.password_token(rp.EMPLOYEE, base=base, scope="me")
    return t["access_token"], time.time()


def same_keys_soon() -> bool:
    """Each instance reloads the shared set on a timer (JWKS_MAX_AGE_SECONDS / 4, at least 1 s):
    allow that long for a key another process made to show everywhere."""
    deadline = time.time() + rp.JWKS_MAX_AGE + 3
    while True:
        a = sorted(rp.jwks(rp.BASE_A)["keys"], key=lambda k: k["kid"])
        b = sorted(rp.jwks(rp.BASE_B)["keys"], key=lambda k: k["kid"])
        if a == b or time.time() > deadline:
            return a == b
        time.sleep(0.2)


def rotate():
    r = requests.post(f"{rp.BASE_A}/admin/keys/rotate", headers=rp.bearer(rp.admin_token()),
                      timeout=rp.TIMEOUT)
    assert 200 <= r.status_code < 300, (r.status_code, r.text[:300])
    return r


def test_rotate_requires_admin():
    emp = rp.password_token(rp.EMPLOYEE)["access_token"]
    r = requests.post(f"{rp.BASE_A}/admin/keys/rotate", headers=rp.bearer(emp), timeout=rp.TIMEOUT)
    assert r.status_code == 403
    r = requests.post(f"{rp.BASE_A}/admin/keys/rotate", timeout=rp.TIMEOUT)
    assert r.status_code == 401


def test_rotation(confidential):
    # Before: tokens of the current key, an ID token and a session to log out of later.
    old_session = rp.code_flow(confidential, scope="openid me")
    old_access, _ = fresh_access_token()
    old_kid = rp.jose_header(old_access)["kid"]
    assert rp.jose_header(old_session["id_token"])["kid"] == old_kid
    j0 = kids()
    assert old_kid in j0

    rotate_start = time.time()
    rotate()
    # Publish before sign: a key the rotation made (not in j0) is published after rotate_start,
    # so a token it signed less than JWKS_MAX_AGE_SECONDS after rotate_start was signed before
    # every cache could have seen it.
    j1 = kids()
    soon, soon_at = fresh_access_token()
    soon_kid = rp.jose_header(soon)["kid"]
    assert soon_kid in kids(), "whatever signs is published"
    early = None
    if soon_at - rotate_start < rp.JWKS_MAX_AGE and soon_kid not in j0:
        # Checked last, so that the rest of the lifecycle is still exercised.
        early = ("a new key signed before it had been published for JWKS_MAX_AGE_SECONDS",
                 soon_kid, round(soon_at - rotate_start, 3))
    new_kids = (j1 | kids()) - {old_kid}
    assert new_kids, ("a key other than the active one is published after the rotation", j1)

    # After max-age, new tokens carry a new kid, on both instances.
    deadline = time.time() + rp.JWKS_MAX_AGE + 30
    new_kid = None
    while time.time() < deadline:
        token, _ = fresh_access_token()
        if rp.jose_header(token)["kid"] != old_kid:
            new_kid = rp.jose_header(token)["kid"]
            break
        time.sleep(0.5)
    assert new_kid, "no token carried a new kid after the rotation"
    assert new_kid in kids()
    rp.check_access_token(token)
    if rp.BASE_B:
        while time.time() < deadline:
            tb, _ = fresh_access_token(rp.BASE_B)
            if rp.jose_header(tb)["kid"] == new_kid:
                break
            time.sleep(0.5)
        assert rp.jose_header(tb)["kid"] == new_kid, "instance B signs with the new key too"
        assert same_keys_soon(), "both instances publish the same set"

    # New ID tokens too.
    new_session = rp.code_flow(confidential, scope="openid me")
    assert rp.jose_header(new_session["id_token"])["kid"] == new_kid
    rp.verify_id_token(new_session["id_token"], confidential, nonce=new_session["_nonce"],
                       access_token=new_session["access_token"])

    # The retired key is still published and its tokens still verify.
    assert old_kid in kids(), "a retired key stays published while its tokens live"
    assert rp.users_me(old_access).status_code == 200
    if rp.BASE_B:
        assert rp.users_me(old_access, base=rp.BASE_B).status_code == 200
    rp.check_access_token(old_access)
    rp.verify_id_token(old_session["id_token"], confidential, nonce=old_session["_nonce"],
                       access_token=old_session["access_token"])

    # A hint signed by the retired key is honoured by logout.
    r = old_session["_browser"].s.get(
        f"{rp.BASE_A}/logout?" + urlencode({"id_token_hint": old_session["id_token"],
                                            "post_logout_redirect_uri": rp.POST_LOGOUT,
                                            "state": "rot"}),
        allow_redirects=False, timeout=rp.TIMEOUT)
    assert r.status_code in (302, 303) and r.headers["Location"].startswith(rp.POST_LOGOUT), \
        (r.status_code, r.headers.get("Location"))
    assert rp.userinfo(old_session["access_token"]).status_code == 401

    assert early is None, early


def test_rotate_twice_keeps_every_live_token_verifiable():
    token, _ = fresh_access_token()
    rotate()
    time.sleep(rp.JWKS_MAX_AGE + 0.5)
    rotate()
    time.sleep(rp.JWKS_MAX_AGE + 0.5)
    assert rp.jose_header(token)["kid"] in kids()
    assert rp.users_me(token).status_code == 200
    t2, _ = fresh_access_token()
    rp.check_access_token(t2)


SLOW = __import__("os").environ.get("OIDC_SLOW") == "1"


@pytest.mark.skipif(not SLOW, reason="a retired key is removed once the last token it signed has "
                    "expired (ACCESS_TOKEN_EXPIRE_MINUTES, at least 1, plus a minute): "
                    "OIDC_SLOW=1 scripts/oidc-test runs it")
def test_removed_key_tokens_refused(confidential):
    """With ACCESS_TOKEN_EXPIRE_MINUTES=1 (set by the driver when OIDC_SLOW=1): a rotated-out
    key leaves /jwks.json once its last token has expired, and its tokens are refused."""
    t = rp.code_flow(confidential, scope="openid me")
    old_kid = rp.jose_header(t["access_token"])["kid"]
    rotate()
    deadline = time.time() + rp.JWKS_MAX_AGE + 30
    while time.time() < deadline and rp.jose_header(fresh_access_token()[0])["kid"] == old_kid:
        time.sleep(0.5)
    assert rp.jose_header(fresh_access_token()[0])["kid"] != old_kid
    deadline = time.time() + 60 + 60 + 60
    while time.time() < deadline and old_kid in kids():
        time.sleep(2)
    assert old_kid not in kids(), "the retired key is removed after its last token expired"
    if rp.BASE_B:
        assert old_kid not in kids(rp.BASE_B)
    assert rp.users_me(t["access_token"]).status_code == 401
    r = t["_browser"].s.get(f"{rp.BASE_A}/logout?" + urlencode(
        {"id_token_hint": t["id_token"], "post_logout_redirect_uri": rp.POST_LOGOUT}),
        allow_redirects=False, timeout=rp.TIMEOUT)
    assert not r.headers.get("Location", "").startswith(rp.POST_LOGOUT), \
        "a removed key's id_token_hint is not honoured"


@pytest.mark.skipif(not __import__("os").environ.get("OIDC_BIN"), reason="OIDC_BIN not set")
def test_cli_keys_rotate_publishes_a_new_key():
    import os
    import subprocess
    # A successor that an earlier test's rotation left waiting would be kept, not replaced: let
    # it take its turn first (it signs JWKS_MAX_AGE and a second after it was stored).
    time.sleep(rp.JWKS_MAX_AGE + 2)
    every_kid = lambda: {k["kid"] for k in rp.jwks(rp.BASE_A)["keys"]}  # EC and RSA
    before = every_kid()
    r = subprocess.run([os.environ["OIDC_BIN"], "keys", "rotate"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, (r.stdout, r.stderr)
    made = {line.split("\t")[0] for line in r.stdout.splitlines() if line.strip()}
    assert made and not made & before, ("new keys, not waiting ones", r.stdout, before)
    deadline = time.time() + rp.JWKS_MAX_AGE + 10
    while time.time() < deadline and not made <= every_kid():
        time.sleep(0.3)
    assert made <= every_kid(), "the keys the CLI made are published by the running instances"
    if rp.BASE_B:
        assert same_keys_soon(), "both instances publish the key the CLI made"
