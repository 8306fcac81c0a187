"""The happy path of authorization code + PKCE, with Authlib as the relying party and by hand;
ID tokens verified with the published keys; userinfo; offline_access; consent; prompt; max_age."""

import time

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

import rp


def authlib_flow(client: rp.Client, auth_method: str, scope="openid profile email",
                 browser: rp.Browser | None = None):
    ep = rp.endpoints()
    session = OAuth2Session(client.client_id, client.client_secret, scope=scope,
                            redirect_uri=client.redirect_uri, code_challenge_method="S256",
                            token_endpoint_auth_method=auth_method)
    verifier = rp.b64url(__import__("secrets").token_bytes(40))
    nonce = rp.b64url(__import__("secrets").token_bytes(12))
    uri, state = session.create_authorization_url(ep["authorization_endpoint"],
                                                  code_verifier=verifier, nonce=nonce)
    assert "code_challenge_method=S256" in uri
    out = (browser or rp.Browser()).authorize(uri)
    assert out.callback, (out.response.status_code, out.response.text[:300], out.steps)
    token = session.fetch_token(ep["token_endpoint"], authorization_response=out.callback,
                                code_verifier=verifier, state=state)
    return session, token, nonce, out


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_confidential_client(confidential, auth_method):
    session, token, nonce, out = authlib_flow(confidential, auth_method)
    assert out.logins == 1, "a browser without a session meets the login page"
    assert token["token_type"].lower() == "bearer"
    assert isinstance(token["expires_in"], int) and token["expires_in"] > 0
    assert set(token["scope"].split()) == {"openid", "profile", "email"}
    assert "refresh_token" not in token, "no offline_access, no refresh token"
    claims = rp.verify_id_token(token["id_token"], confidential, nonce=nonce,
                                access_token=token["access_token"])
    assert claims["sub"] == str(rp.EMPLOYEE_NO)
    at = rp.check_access_token(token["access_token"])
    assert at["sub"] == claims["sub"] and at["sid"] == claims["sid"]
    # The session calls userinfo with its own token, as Authlib does.
    r = session.get(rp.endpoints()["userinfo_endpoint"])
    assert r.status_code == 200, r.text[:300]
    assert r.json()["sub"] == claims["sub"]


def test_authlib_public_client(public):
    session, token, nonce, _ = authlib_flow(public, "none")
    claims = rp.verify_id_token(token["id_token"], public, nonce=nonce,
                                access_token=token["access_token"])
    rp.check_access_token(token["access_token"])
    assert rp.userinfo(token["access_token"]).json()["sub"] == claims["sub"]


def test_public_client_secret_is_not_needed_but_verifier_is(public):
    t = rp.code_flow(public)
    assert t["id_token"]


def test_by_hand_plain_http_login_redirect(confidential):
    """GET /authorize without a session → the login page (by redirect to /login?next=… or in
    place) → POST /token as the form does → cookie → back at /authorize → 302 with code and
    state."""
    b = rp.Browser()
    url, verifier, params = rp.auth_url(confidential)
    r = b.s.get(url, allow_redirects=False, timeout=rp.TIMEOUT)
    if r.is_redirect:
        loc = r.headers["Location"]
        assert "/login" in loc, ("no session: to the login page", loc)
        assert "next=" in loc, loc
    else:
        assert r.status_code == 200 and 'name="password"' in r.text, r.status_code
    out = b.authorize(url)
    assert out.logins == 1
    q = out.params
    assert q["state"] == params["state"] and q["code"]
    assert out.response.status_code in (302, 303)
    # Logged in now: a second authorization goes straight to the client.
    url2, verifier2, params2 = rp.auth_url(confidential)
    r2 = b.s.get(url2, allow_redirects=False, timeout=rp.TIMEOUT)
    assert r2.status_code in (302, 303), r2.status_code
    assert r2.headers["Location"].startswith(confidential.redirect_uri + "?"), r2.headers["Location"]
    t = rp.redeem(confidential, q["code"], verifier)
    assert t.status_code == 200, t.text


def test_id_token_and_access_token_of_one_session(confidential):
    t = rp.code_flow(confidential)
    idc = rp.verify_id_token(t["id_token"], confidential, nonce=t["_nonce"],
                             access_token=t["access_token"])
    at = rp.check_access_token(t["access_token"])
    assert at["sid"] == idc["sid"]
    assert at["iss"] == rp.ISSUER
    assert set(at["scope"].split()) == set(t["scope"].split())
    # The access token works at the service's own API too (the employee's `me`).
    t2 = rp.code_flow(confidential, t["_browser"], scope="openid me")
    assert rp.users_me(t2["access_token"]).status_code == 200


def test_no_openid_no_id_token_and_no_userinfo(confidential):
    t = rp.code_flow(confidential, scope="me")
    assert "id_token" not in t
    r = rp.userinfo(t["access_token"])
    assert r.status_code == 403, (r.status_code, r.text[:200])
    assert "insufficient_scope" in r.headers.get("WWW-Authenticate", "")


def test_scopes_are_the_intersection(public):
    """Asked ∩ allowed for the client ∩ held by the employee: `hr` (not held by Pranav) and
    `admin` (not allowed for the client) are left out."""
    t = rp.code_flow(public, scope="openid me hr admin directory")
    assert set(t["scope"].split()) == {"openid", "me", "directory"}, t["scope"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_claims_per_scope(confidential, method):
    b = rp.Browser()
    only = rp.code_flow(confidential, b, scope="openid")
    r = rp.userinfo(only["access_token"], method=method)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["sub"] == str(rp.EMPLOYEE_NO)
    assert not ({"name", "email", "given_name", "department"} & set(r.json())), r.json()

    prof = rp.code_flow(confidential, b, scope="openid profile")
    u = rp.userinfo(prof["access_token"], method=method).json()
    assert u["sub"] == str(rp.EMPLOYEE_NO)
    assert u["given_name"] == "Pranav" and u["family_name"] == "Furedi"
    assert u["name"] == "Pranav Furedi"
    assert str(u["employee_number"]) == str(rp.EMPLOYEE_NO)
    assert u["department"] in ("Development", "d005") or (
        isinstance(u["department"], dict) and u["department"].get("dept_no") == "d005"), u
    assert u["title"] == "Senior Engineer"
    assert str(u["manager"]) == "500005", u
    assert "email" not in u

    mail = rp.code_flow(confidential, b, scope="openid email")
    u = rp.userinfo(mail["access_token"], method=method).json()
    assert u["email"] == rp.EMPLOYEE and u["email_verified"] in (True, False)
    assert "given_name" not in u


def test_userinfo_refuses_bad_tokens():
    assert rp.userinfo("").status_code == 401
    r = requests.get(f"{rp.BASE_A}/userinfo", timeout=rp.TIMEOUT)
    assert r.status_code == 401 and r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    r = rp.userinfo("not.a.jwt")
    assert r.status_code == 401 and "invalid_token" in r.headers.get("WWW-Authenticate", "")


def test_offline_access_refresh_rotates(confidential):
    t = rp.code_flow(confidential, scope="openid offline_access profile")
    assert t.get("refresh_token"), t
    rt1 = t["refresh_token"]
    ep = rp.endpoints()
    r = requests.post(ep["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": rt1},
                      auth=confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
    t2 = r.json()
    assert t2["refresh_token"] and t2["refresh_token"] != rt1
    at2 = rp.check_access_token(t2["access_token"])
    assert at2["sid"] == rp.jose_claims(t["access_token"])["sid"], "same session across refreshes"
    if "id_token" in t2:
        rp.verify_id_token(t2["id_token"], confidential, nonce=None, access_token=t2["access_token"])
    # Authlib's own refresh with the rotated one.
    s = OAuth2Session(confidential.client_id, confidential.client_secret)
    t3 = s.refresh_token(ep["token_endpoint"], refresh_token=t2["refresh_token"])
    assert t3["refresh_token"] not in (rt1, t2["refresh_token"])
    # The first one, spent long ago (past the reuse grace), ends the session.
    time.sleep(rp.GRACE + 1)
    r = requests.post(ep["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": rt1},
                      auth=confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    assert rp.userinfo(t3["access_token"]).status_code == 401, "reuse ends the session"


def test_refresh_token_bound_to_its_client(confidential, other_confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    r = requests.post(f"{rp.BASE_A}/token",
                      data={"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
                      auth=other_confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_public_client_refresh(public):
    t = rp.code_flow(public, scope="openid offline_access")
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "refresh_token", "client_id": public.client_id,
                                                 "refresh_token": t["refresh_token"]}, timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] != t["refresh_token"]


def test_rs256_client_gets_rs256_id_tokens():
    client = rp.register_client(confidential=True, alg="RS256")
    t = rp.code_flow(client)
    assert rp.jose_header(t["id_token"])["alg"] == "RS256"
    rp.verify_id_token(t["id_token"], client, nonce=t["_nonce"], access_token=t["access_token"])
    assert rp.jose_header(t["access_token"])["alg"] == "ES256", "access tokens stay ES256"


# --- consent, prompt, max_age -----------------------------------------------------------------


def test_consent_shown_once_per_employee_and_client():
    client = rp.register_client(confidential=True, consent=True)
    b = rp.Browser()
    first = rp.code_flow(client, b)
    assert first["_outcome"].consents == 1, ("a consent page the first time", first["_outcome"].steps)
    # The page names the scopes it asks for.
    second = rp.code_flow(client, b)
    assert second["_outcome"].consents == 0, "consent is remembered"
    # Another browser session of the same employee: still remembered (per employee + client).
    third = rp.code_flow(client, rp.Browser())
    assert third["_outcome"].consents == 0 and third["_outcome"].logins == 1
    # Another employee: asked.
    fourth = rp.code_flow(client, rp.Browser(username=rp.ADMIN))
    assert fourth["_outcome"].consents == 1


def test_prompt_consent_asks_again():
    client = rp.register_client(confidential=True, consent=True)
    b = rp.Browser()
    assert rp.code_flow(client, b)["_outcome"].consents == 1
    assert rp.code_flow(client, b)["_outcome"].consents == 0
    assert rp.code_flow(client, b, prompt="consent")["_outcome"].consents == 1


def test_consent_page_names_the_scopes():
    client = rp.register_client(confidential=True, consent=True)
    b = rp.Browser()
    url, _, _ = rp.auth_url(client, scope="openid profile email")
    out = b.authorize(url, consent="stop")
    page = out.response.text
    assert out.response.status_code == 200, out.steps
    for scope in ("profile", "email"):
        assert scope in page, f"the consent page names {scope}"


def test_consent_denied_is_access_denied():
    client = rp.register_client(confidential=True, consent=True)
    url, _, params = rp.auth_url(client)
    out = rp.Browser().authorize(url, consent="deny")
    q = out.params
    assert q.get("error") == "access_denied" and q.get("state") == params["state"], q


def test_no_consent_page_for_a_client_without_consent(confidential):
    t = rp.code_flow(confidential)
    assert t["_outcome"].consents == 0


def test_prompt_none_without_session_is_login_required(confidential):
    url, _, params = rp.auth_url(confidential, prompt="none")
    out = rp.Browser().authorize(url, allow_login=False)
    q = out.params
    assert q.get("error") == "login_required", q
    assert q.get("state") == params["state"]
    assert "code" not in q
    assert out.logins == 0


def test_prompt_none_with_session_gives_a_code(confidential):
    b = rp.Browser()
    b.login()
    t = rp.code_flow(confidential, b, prompt="none")
    assert t["_outcome"].logins == 0
    rp.verify_id_token(t["id_token"], confidential, nonce=t["_nonce"], access_token=t["access_token"])


def test_prompt_none_when_consent_is_needed_is_consent_required():
    client = rp.register_client(confidential=True, consent=True)
    b = rp.Browser()
    b.login()
    url, _, params = rp.auth_url(client, prompt="none")
    out = b.authorize(url)
    q = out.params
    assert q.get("error") in ("consent_required", "interaction_required"), q
    assert q.get("state") == params["state"]


def test_prompt_login_asks_again(confidential):
    b = rp.Browser()
    first = rp.code_flow(confidential, b)
    assert first["_outcome"].logins == 1
    second = rp.code_flow(confidential, b, prompt="login")
    assert second["_outcome"].logins == 1, "prompt=login re-authenticates"


def test_max_age(confidential):
    b = rp.Browser()
    before = int(time.time())
    first = rp.code_flow(confidential, b)
    c1 = rp.verify_id_token(first["id_token"], confidential, nonce=first["_nonce"],
                            access_token=first["access_token"])
    assert before - 1 <= c1["auth_time"] <= time.time() + 1
    # Recent enough: no new login, same auth_time.
    fresh = rp.code_flow(confidential, b, max_age="3600")
    assert fresh["_outcome"].logins == 0
    c2 = rp.verify_id_token(fresh["id_token"], confidential, nonce=fresh["_nonce"],
                            access_token=fresh["access_token"])
    assert c2["auth_time"] == c1["auth_time"]
    time.sleep(2.2)
    old = rp.code_flow(confidential, b, max_age="1")
    assert old["_outcome"].logins == 1, "an authentication older than max_age is done again"
    c3 = rp.verify_id_token(old["id_token"], confidential, nonce=old["_nonce"],
                            access_token=old["access_token"])
    assert c3["auth_time"] >= c1["auth_time"] + 2


def test_state_and_nonce_are_echoed_verbatim(confidential):
    state = "s p/a+c=e&é"
    nonce = "n-" + "x" * 40
    t = rp.code_flow(confidential, state=state, nonce=nonce)
    c = rp.verify_id_token(t["id_token"], confidential, nonce=nonce, access_token=t["access_token"])
    assert c["nonce"] == nonce
