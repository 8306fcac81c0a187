"""RP-initiated logout, client_credentials, introspection and revocation with client auth."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

import rp


def end_session(browser, params, base=rp.BASE_A):
    return browser.s.get(f"{base}/logout?{urlencode(params)}", allow_redirects=False,
                         timeout=rp.TIMEOUT)


def test_rp_initiated_logout(confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    b = t["_browser"]
    assert rp.userinfo(t["access_token"]).status_code == 200
    r = end_session(b, {"id_token_hint": t["id_token"],
                        "post_logout_redirect_uri": rp.POST_LOGOUT, "state": "bye-1"})
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    loc = r.headers["Location"]
    assert loc.startswith(rp.POST_LOGOUT), loc
    assert parse_qs(urlsplit(loc).query).get("state") == ["bye-1"], loc
    # The session is over: its tokens, its refresh token and the browser's cookie.
    assert rp.userinfo(t["access_token"]).status_code == 401
    if rp.BASE_B:
        assert rp.userinfo(t["access_token"], base=rp.BASE_B).status_code == 401
    rr = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "refresh_token",
                                                  "refresh_token": t["refresh_token"]},
                       auth=confidential.basic, timeout=rp.TIMEOUT)
    assert rr.status_code == 400 and rr.json()["error"] == "invalid_grant"
    url, _, _ = rp.auth_url(confidential, prompt="none")
    q = b.authorize(url, allow_login=False).params
    assert q.get("error") == "login_required", ("the browser is logged out", q)


def test_logout_unregistered_post_logout_uri_is_not_followed(confidential):
    t = rp.code_flow(confidential)
    r = end_session(t["_browser"], {"id_token_hint": t["id_token"],
                                    "post_logout_redirect_uri": "http://evil.example/out",
                                    "state": "x"})
    assert "evil.example" not in r.headers.get("Location", ""), r.headers.get("Location")


def test_logout_post_logout_uri_of_another_client(confidential):
    other = rp.register_client(post_logout_redirect_uris=["http://127.0.0.1:47999/other-out"])
    t = rp.code_flow(confidential)
    r = end_session(t["_browser"], {"id_token_hint": t["id_token"],
                                    "post_logout_redirect_uri": "http://127.0.0.1:47999/other-out"})
    assert "other-out" not in r.headers.get("Location", ""), r.headers.get("Location")
    assert other


def test_logout_with_a_forged_hint_does_not_redirect(confidential):
    t = rp.code_flow(confidential)
    h, c, s = t["id_token"].split(".")
    forged = f"{h}.{c}.{s[:-4]}AAAA"
    r = end_session(t["_browser"], {"id_token_hint": forged, "post_logout_redirect_uri": rp.POST_LOGOUT})
    assert not r.headers.get("Location", "").startswith(rp.POST_LOGOUT), r.headers.get("Location")


# --- client_credentials -------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_client():
    return rp.register_client(confidential=True, grant_types=["client_credentials"],
                              allowed_scopes=["directory", "me", "manager"])


def cc(client, scope=None, auth="basic"):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    kwargs = {}
    if auth == "basic":
        kwargs["auth"] = client.basic
    else:
        data.update(client_id=client.client_id, client_secret=client.client_secret or "")
    return requests.post(f"{rp.BASE_A}/token", data=data, timeout=rp.TIMEOUT, **kwargs)


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_client_credentials(service_client, auth):
    r = cc(service_client, auth=auth)
    assert r.status_code == 200, r.text
    t = r.json()
    assert "refresh_token" not in t and "id_token" not in t
    scopes = set(t["scope"].split())
    assert scopes and scopes <= {"directory"}, ("never me or manager", scopes)
    claims = rp.check_access_token(t["access_token"])
    assert claims["sub"] == service_client.client_id
    assert claims.get("client_id", service_client.client_id) == service_client.client_id
    r = requests.get(f"{rp.BASE_A}/employees", params={"limit": 1},
                     headers=rp.bearer(t["access_token"]), timeout=rp.TIMEOUT)
    assert r.status_code == 200, ("a service reads the directory", r.status_code, r.text[:200])
    assert rp.users_me(t["access_token"]).status_code in (401, 403)


@pytest.mark.parametrize("scope", ["me", "manager", "hr", "admin", "openid"])
def test_client_credentials_employee_scopes_refused(service_client, scope):
    r = cc(service_client, scope=scope)
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope", (scope, r.text)


def test_client_credentials_refused_for_public(public):
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "client_credentials",
                                                 "client_id": public.client_id}, timeout=rp.TIMEOUT)
    assert r.status_code in (400, 401), r.text
    assert r.json()["error"] in ("unauthorized_client", "invalid_client"), r.text


def test_client_credentials_refused_when_grant_not_allowed(confidential):
    r = cc(confidential)
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client", r.text


def test_client_credentials_wrong_secret(service_client):
    r = requests.post(f"{rp.BASE_A}/token", data={"grant_type": "client_credentials"},
                      auth=(service_client.client_id, "wrong"), timeout=rp.TIMEOUT)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text


# --- introspection and revocation with client authentication -------------------------------


def introspect(token, auth):
    return requests.post(f"{rp.BASE_A}/token/introspect", data={"token": token}, auth=auth,
                         timeout=rp.TIMEOUT)


def test_introspection_by_its_own_client(confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    r = introspect(t["access_token"], confidential.basic)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["active"] is True, body
    assert body["sub"] == str(rp.EMPLOYEE_NO)
    assert set(body["scope"].split()) == set(t["scope"].split())
    assert body.get("client_id", confidential.client_id) == confidential.client_id
    for claim in ("exp", "iat", "sid"):
        assert claim in body, (claim, body)
    r = introspect(t["refresh_token"], confidential.basic)
    assert r.status_code == 200 and r.json()["active"] is True, r.text


def test_introspection_by_another_client_is_inactive(confidential, other_confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    for token in (t["access_token"], t["refresh_token"]):
        r = introspect(token, other_confidential.basic)
        assert r.status_code == 200, r.text
        assert r.json() == {"active": False}, r.json()


def test_introspection_wrong_secret(confidential):
    t = rp.code_flow(confidential)
    r = introspect(t["access_token"], (confidential.client_id, "wrong"))
    assert r.status_code == 401, r.text


def test_introspection_unknown_token(confidential):
    r = introspect("nope", confidential.basic)
    assert r.status_code == 200 and r.json() == {"active": False}


def test_revocation_by_another_client_revokes_nothing(confidential, other_confidential):
    t = rp.code_flow(confidential, scope="openid offline_access")
    for token in (t["access_token"], t["refresh_token"]):
        r = requests.post(f"{rp.BASE_A}/token/revoke", data={"token": token},
                          auth=other_confidential.basic, timeout=rp.TIMEOUT)
        assert r.status_code == 200, r.text
    assert rp.userinfo(t["access_token"]).status_code == 200, "another client cannot revoke it"
    assert introspect(t["access_token"], confidential.basic).json()["active"] is True


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revocation_by_its_own_client(confidential, which):
    t = rp.code_flow(confidential, scope="openid offline_access")
    r = requests.post(f"{rp.BASE_A}/token/revoke",
                      data={"token": t[which], "token_type_hint": which},
                      auth=confidential.basic, timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
    assert rp.userinfo(t["access_token"]).status_code == 401
    assert introspect(t["access_token"], confidential.basic).json() == {"active": False}


def test_revocation_by_public_client_id(public):
    t = rp.code_flow(public, scope="openid offline_access")
    r = requests.post(f"{rp.BASE_A}/token/revoke",
                      data={"token": t["refresh_token"], "client_id": public.client_id},
                      timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
    assert rp.userinfo(t["access_token"]).status_code == 401


def test_revocation_wrong_secret(confidential):
    t = rp.code_flow(confidential)
    r = requests.post(f"{rp.BASE_A}/token/revoke", data={"token": t["access_token"]},
                      auth=(confidential.client_id, "wrong"), timeout=rp.TIMEOUT)
    assert r.status_code == 401, r.text
    assert rp.userinfo(t["access_token"]).status_code == 200


def test_client_deleted_ends_its_sessions():
    client = rp.register_client()
    t = rp.code_flow(client)
    r = requests.delete(f"{rp.BASE_A}/admin/clients/{client.client_id}",
                        headers=rp.bearer(rp.admin_token()), timeout=rp.TIMEOUT)
    assert r.status_code in (200, 204), r.text
    assert rp.userinfo(t["access_token"]).status_code == 401
    url, _, _ = rp.auth_url(client)
    r = rp.Browser().s.get(url, allow_redirects=False, timeout=rp.TIMEOUT)
    assert 400 <= r.status_code < 500 and "Location" not in r.headers


def test_admin_clients_api():
    client = rp.register_client(confidential=False)
    h = rp.bearer(rp.admin_token())
    r = requests.get(f"{rp.BASE_A}/admin/clients/{client.client_id}", headers=h, timeout=rp.TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["client_id"] == client.client_id
    assert "client_secret" not in body or not body["client_secret"]
    listing = requests.get(f"{rp.BASE_A}/admin/clients", headers=h, timeout=rp.TIMEOUT)
    assert listing.status_code == 200
    ids = [c["client_id"] for c in (listing.json() if isinstance(listing.json(), list)
                                     else listing.json().get("clients", listing.json().get("items", [])))]
    assert client.client_id in ids and "swagger-ui" in ids
    # Employees without admin cannot register clients.
    emp = rp.password_token(rp.EMPLOYEE)["access_token"]
    r = requests.post(f"{rp.BASE_A}/admin/clients", json={"name": "x", "redirect_uris": [rp.REDIRECT],
                                                         "confidential": False},
                      headers=rp.bearer(emp), timeout=rp.TIMEOUT)
    assert r.status_code == 403


@pytest.mark.parametrize("uri", ["http://example.com/cb", "not a url", "/relative", "https://x.example/cb#f"])
def test_admin_refuses_bad_redirect_uris(uri):
    r = requests.post(f"{rp.BASE_A}/admin/clients",
                      json={"name": "bad", "redirect_uris": [uri], "post_logout_redirect_uris": [],
                            "confidential": False, "allowed_scopes": ["openid"],
                            "grant_types": ["authorization_code"], "consent": False},
                      headers=rp.bearer(rp.admin_token()), timeout=rp.TIMEOUT)
    assert r.status_code in (400, 422), (uri, r.status_code, r.text[:200])
