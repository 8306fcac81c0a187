"""What a relying party needs against the service: its endpoints, an admin token, registered
clients, a scripted browser (requests with cookies, no JavaScript) that walks /authorize through
the login and consent pages, and ID/access token verification with the published keys.

Everything here talks to the service over HTTP only, as another application would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt as pyjwt
import requests
from jwcrypto import jwk as jwc_jwk
from jwcrypto import jwt as jwc_jwt

BASE_A = os.environ.get("OIDC_BASE_A", "http://127.0.0.1:8000").rstrip("/")
BASE_B = os.environ.get("OIDC_BASE_B", "").rstrip("/") or None
ISSUER = os.environ.get("OIDC_ISSUER", BASE_A).rstrip("/")
JWKS_MAX_AGE = int(os.environ.get("OIDC_JWKS_MAX_AGE", "1"))
GRACE = int(os.environ.get("OIDC_REFRESH_GRACE", "1"))

ADMIN = "behai_nguyen@hotmail.com"
EMPLOYEE = "pranav.furedi.10198@gmail.com"
PASSWORD = "password"
EMPLOYEE_NO = 10198

# Loopback redirect URIs (http allowed there). Nothing listens: the tests read the Location.
REDIRECT = "http://127.0.0.1:47999/cb"
OTHER_REDIRECT = "http://127.0.0.1:47999/other-cb"
POST_LOGOUT = "http://127.0.0.1:47999/logged-out"

TIMEOUT = 20


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_pair() -> tuple[str, str]:
    verifier = b64url(secrets.token_bytes(48))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def jose_header(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[0]))


def jose_claims(token: str) -> dict:
    """The payload, unverified (for tests that look at what a token says, not whether it holds)."""
    return json.loads(b64url_decode(token.split(".")[1]))


def half_hash(value: str, alg: str) -> str:
    """at_hash / c_hash (OIDC Core 3.1.3.6): left half of the hash that goes with alg."""
    bits = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}[alg[-3:]]
    digest = bits(value.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


# ---------------------------------------------------------------------------------------------
# The service


def discovery(base: str = BASE_A) -> dict:
    r = requests.get(f"{base}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json()


def endpoints(base: str = BASE_A) -> dict:
    """The endpoint URLs as the RP uses them against `base`. Discovery names them under the issuer
    (PUBLIC_URL = instance A); for instance B the same paths are taken on B."""
    meta = discovery(base)
    out = {}
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "end_session_endpoint", "introspection_endpoint", "revocation_endpoint"):
        url = meta.get(name)
        if url:
            parts = urlsplit(url)
            out[name] = base + parts.path + (f"?{parts.query}" if parts.query else "")
    # Fallbacks from the contract when discovery leaves one out (the test that checks discovery
    # says so on its own).
    out.setdefault("authorization_endpoint", f"{base}/authorize")
    out.setdefault("token_endpoint", f"{base}/token")
    out.setdefault("userinfo_endpoint", f"{base}/userinfo")
    out.setdefault("jwks_uri", f"{base}/jwks.json")
    out.setdefault("end_session_endpoint", f"{base}/logout")
    out.setdefault("introspection_endpoint", f"{base}/token/introspect")
    out.setdefault("revocation_endpoint", f"{base}/token/revoke")
    return out


def password_token(username: str = ADMIN, password: str = PASSWORD, base: str = BASE_A,
                   scope: str | None = None) -> dict:
    data = {"grant_type": "password", "username": username, "password": password}
    if scope is not None:
        data["scope"] = scope
    r = requests.post(f"{base}/token", data=data, timeout=TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json()


_admin_token: str | None = None


def admin_token() -> str:
    global _admin_token
    if _admin_token is None or requests.get(
            f"{BASE_A}/users/me", headers=bearer(_admin_token), timeout=TIMEOUT).status_code != 200:
        _admin_token = password_token(ADMIN)["access_token"]
    return _admin_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Client:
    client_id: str
    client_secret: str | None
    redirect_uris: list
    post_logout_redirect_uris: list
    confidential: bool
    allowed_scopes: list
    grant_types: list
    consent: bool
    raw: dict = field(default_factory=dict)
    alg: str = "ES256"

    @property
    def redirect_uri(self) -> str:
        return self.redirect_uris[0]

    @property
    def basic(self) -> tuple[str, str]:
        return (self.client_id, self.client_secret)


OIDC_SCOPES = ["openid", "profile", "email", "offline_access", "me", "directory"]


def register_client(*, confidential: bool = True, consent: bool = False,
                    allowed_scopes: list | None = None, grant_types: list | None = None,
                    redirect_uris: list | None = None, post_logout_redirect_uris: list | None = None,
                    alg: str | None = None, base: str = BASE_A) -> Client:
    body = {
        "name": f"rp-test-{secrets.token_hex(4)}",
        "redirect_uris": redirect_uris or [REDIRECT],
        "post_logout_redirect_uris": post_logout_redirect_uris or [POST_LOGOUT],
        "confidential": confidential,
        "allowed_scopes": allowed_scopes or OIDC_SCOPES,
        "grant_types": grant_types or ["authorization_code", "refresh_token"],
        "consent": consent,
    }
    if alg:
        body["id_token_signed_response_alg"] = alg
    r = requests.post(f"{base}/admin/clients", json=body, headers=bearer(admin_token()),
                      timeout=TIMEOUT)
    assert r.status_code == 201, ("POST /admin/clients", r.status_code, r.text[:500])
    out = r.json()
    assert out.get("client_id"), out
    if confidential:
        assert out.get("client_secret"), ("a confidential client gets its secret once", out)
    else:
        assert not out.get("client_secret"), ("a public client has no secret", out)
    return Client(out["client_id"], out.get("client_secret"), body["redirect_uris"],
                  body["post_logout_redirect_uris"], confidential, body["allowed_scopes"],
                  body["grant_types"], consent, out, alg or "ES256")


# ---------------------------------------------------------------------------------------------
# A scripted browser


class _Forms(HTMLParser):
    """Every <form> of a page: action, method, inputs (name, value, type) and buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "inputs": [], "buttons": []})
        elif not self.forms:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image"):
                self.forms[-1]["buttons"].append({"name": a.get("name"), "value": a.get("value") or "",
                                                  "text": a.get("value") or ""})
            else:
                if kind in ("checkbox", "radio") and "checked" not in a:
                    return
                self.forms[-1]["inputs"].append({"name": a.get("name"), "value": a.get("value") or "",
                                                 "type": kind})
        elif tag == "button":
            self._button = {"name": a.get("name"), "value": a.get("value") or "", "text": "",
                            "type": (a.get("type") or "submit").lower()}
            self.forms[-1]["buttons"].append(self._button)

    def handle_endtag(self, tag):
        if tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data.strip()


def forms_of(html: str) -> list[dict]:
    p = _Forms()
    p.feed(html)
    return p.forms


APPROVE_WORDS = ("approve", "allow", "accept", "authorize", "authorise", "consent", "grant", "yes",
                 "continue")
DENY_WORDS = ("deny", "cancel", "reject", "decline", "no")


@dataclass
class Outcome:
    """Where /authorize ended: a redirect to the client (`callback`), or a page of the service."""
    callback: str | None
    response: requests.Response
    logins: int = 0
    consents: int = 0
    steps: list = field(default_factory=list)

    @property
    def params(self) -> dict:
        assert self.callback, ("no redirect to the client", self.response.status_code,
                               self.response.headers.get("Location"), self.response.text[:500],
                               self.steps)
        q = {k: v[0] for k, v in parse_qs(urlsplit(self.callback).query).items()}
        return q


class Browser:
    """A cookie jar and the login/consent pages filled in as a person would (no JavaScript)."""

    def __init__(self, base: str = BASE_A, username: str = EMPLOYEE, password: str = PASSWORD):
        self.base = base
        self.username = username
        self.password = password
        self.s = requests.Session()
        self.s.headers["Accept"] = "text/html,application/xhtml+xml"

    def login(self, base: str | None = None, next_: str | None = None) -> requests.Response:
        """The login form's own POST /token (Accept: text/html) → 303 with the cookie."""
        data = {"username": self.username, "password": self.password}
        if next_ is not None:
            data["next"] = next_
        r = self.s.post(f"{base or self.base}/token", data=data, allow_redirects=False,
                        headers={"Accept": "text/html"}, timeout=TIMEOUT)
        assert r.status_code == 303, ("browser login", r.status_code, r.text[:300])
        return r

    def _is_client(self, url: str, client_prefixes: tuple) -> bool:
        return any(url.startswith(p) for p in client_prefixes)

    def authorize(self, url: str, *, consent: str = "approve", allow_login: bool = True,
                  client_prefixes: tuple = ("http://127.0.0.1:47999/",)) -> Outcome:
        """GET the authorization URL and follow the service's redirects and pages until it sends
        the browser to the client (returned, not followed) or stops on a page of its own."""
        out = Outcome(None, None)  # type: ignore[arg-type]
        r = self.s.get(url, allow_redirects=False, timeout=TIMEOUT)
        for _ in range(12):
            out.response = r
            out.steps.append((r.request.method, r.request.url, r.status_code))
            if r.is_redirect:
                loc = urljoin(r.url, r.headers["Location"])
                if self._is_client(loc, client_prefixes):
                    out.callback = loc
                    return out
                r = self.s.get(loc, allow_redirects=False, timeout=TIMEOUT)
                continue
            if r.status_code != 200 or "html" not in r.headers.get("Content-Type", ""):
                return out
            forms = forms_of(r.text)
            login = next((f for f in forms if any(i["name"] == "password" for i in f["inputs"])), None)
            if login is not None:
                if not allow_login:
                    return out
                out.logins += 1
                data = {i["name"]: i["value"] for i in login["inputs"] if i["name"]}
                data["username"] = self.username
                data["password"] = self.password
                r = self.s.post(urljoin(r.url, login["action"] or r.url), data=data,
                                allow_redirects=False, headers={"Accept": "text/html"},
                                timeout=TIMEOUT)
                continue
            form, button = _consent_form(forms, "approve")
            if form is None:
                return out
            out.consents += 1
            if consent == "stop":
                return out
            if consent == "deny":
                form, button = _consent_form(forms, "deny")
                assert form is not None, ("the consent page offers no way to refuse", r.text[:500])
            data = [(i["name"], i["value"]) for i in form["inputs"] if i["name"]]
            if button and button.get("name"):
                data.append((button["name"], button["value"]))
            action = urljoin(r.url, form["action"] or r.url)
            if form["method"] == "post":
                r = self.s.post(action, data=data, allow_redirects=False, timeout=TIMEOUT)
            else:
                r = self.s.get(action, params=data, allow_redirects=False, timeout=TIMEOUT)
        return out


def _consent_form(forms: list, choice: str):
    wanted = set(APPROVE_WORDS if choice == "approve" else DENY_WORDS)
    for form in forms:
        for button in form["buttons"]:
            label = f"{button.get('text', '')} {button.get('value', '')} {button.get('name') or ''}"
            words = set(re.findall(r"[a-z]+", label.lower()))
            if words & wanted and (choice != "approve" or not words & set(DENY_WORDS)):
                return form, button
    # One form, one submit button: approval when that is what was asked.
    if choice == "approve" and len(forms) == 1 and len(forms[0]["buttons"]) == 1 \
            and forms[0]["method"] == "post":
        return forms[0], forms[0]["buttons"][0]
    return None, None


def auth_url(client: Client, *, base: str = BASE_A, scope: str = "openid profile email",
             state: str | None = None, nonce: str | None = None, challenge: str | None = "auto",
             method: str | None = "S256", redirect_uri: str | None = None, **extra):
    """An authorization URL and the verifier that goes with it."""
    verifier, computed = pkce_pair()
    params = {"response_type": "code", "client_id": client.client_id,
              "redirect_uri": redirect_uri or client.redirect_uri, "scope": scope,
              "state": state or secrets.token_urlsafe(12), "nonce": nonce or secrets.token_urlsafe(12)}
    if challenge == "auto":
        challenge = computed
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    params.update({k: v for k, v in extra.items() if v is not None})
    return f"{base}/authorize?{urlencode(params)}", verifier, params


def redeem(client: Client, code: str, verifier: str | None, *, base: str = BASE_A,
           redirect_uri: str | None = None, auth: str = "basic") -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": redirect_uri or client.redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    kwargs = {}
    if client.confidential and auth == "basic":
        kwargs["auth"] = client.basic
    elif client.confidential and auth == "post":
        data.update(client_id=client.client_id, client_secret=client.client_secret)
    else:
        data["client_id"] = client.client_id
    return requests.post(f"{base}/token", data=data, timeout=TIMEOUT, **kwargs)


def code_flow(client: Client, browser: Browser | None = None, *, base: str = BASE_A,
              redeem_at: str | None = None, scope: str = "openid profile email", **extra) -> dict:
    """The whole flow by hand: authorize, log in, redeem. Returns the token answer plus what
    the test needs to check it (nonce, state, the browser)."""
    browser = browser or Browser(base)
    url, verifier, params = auth_url(client, base=base, scope=scope, **extra)
    out = browser.authorize(url)
    q = out.params
    assert "code" in q, ("no code in the redirect", q, out.steps)
    assert q.get("state") == params["state"], ("state comes back unchanged", q)
    r = redeem(client, q["code"], verifier, base=redeem_at or base)
    assert r.status_code == 200, ("code redemption", r.status_code, r.text[:500])
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    tokens = r.json()
    tokens["_nonce"] = params["nonce"]
    tokens["_browser"] = browser
    tokens["_code"] = q["code"]
    tokens["_verifier"] = verifier
    tokens["_outcome"] = out
    return tokens


# ---------------------------------------------------------------------------------------------
# Verification with the published keys


def jwks(base: str = BASE_A) -> dict:
    r = requests.get(f"{base}/jwks.json", timeout=TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


def verify_jwt(token: str, base: str = BASE_A, audience: str | None = None) -> dict:
    """Verifies the signature twice, with jwcrypto's JWKSet and PyJWT's PyJWKClient, against the
    published key set, and returns the claims. exp is checked by both."""
    header = jose_header(token)
    assert header.get("kid"), ("every token carries a kid", header)
    assert header.get("alg") in ("ES256", "RS256"), header
    keyset = jwks(base)
    published = {k["kid"]: k for k in keyset["keys"]}
    assert header["kid"] in published, ("the kid is a published key", header, list(published))
    key = published[header["kid"]]
    expected_kty = {"ES256": "EC", "RS256": "RSA"}[header["alg"]]
    assert key["kty"] == expected_kty, (header, key)

    # jwcrypto
    ks = jwc_jwk.JWKSet.from_json(json.dumps(keyset))
    t = jwc_jwt.JWT(jwt=token, key=ks, algs=[header["alg"]], check_claims={"exp": None})
    claims = json.loads(t.claims)

    # PyJWT
    client = pyjwt.PyJWKClient(f"{base}/jwks.json", cache_jwk_set=False, cache_keys=False)
    signing_key = client.get_signing_key_from_jwt(token)
    options = {"require": ["exp", "iat", "iss", "sub"], "verify_aud": audience is not None}
    claims2 = pyjwt.decode(token, signing_key.key, algorithms=[header["alg"]], audience=audience,
                           issuer=ISSUER, options=options, leeway=5)
    assert claims == claims2
    return claims


def verify_id_token(id_token: str, client: Client, *, nonce: str | None, access_token: str | None,
                    base: str = BASE_A, max_auth_age: int = 600) -> dict:
    header = jose_header(id_token)
    expected_alg = client.alg
    claims = verify_jwt(id_token, base, audience=client.client_id)
    now = time.time()
    assert header["alg"] == expected_alg, (header, expected_alg)
    assert claims["iss"] == ISSUER, claims
    aud = claims["aud"]
    assert aud == client.client_id or (isinstance(aud, list) and client.client_id in aud), claims
    if isinstance(aud, list) and len(aud) > 1:
        assert claims.get("azp") == client.client_id, claims
    assert claims["exp"] > now, claims
    assert claims["iat"] <= now + 5 and claims["iat"] > now - 600, claims
    assert isinstance(claims["sub"], str) and claims["sub"], claims
    if nonce is not None:
        assert claims.get("nonce") == nonce, ("nonce", claims.get("nonce"), nonce)
    if access_token is not None:
        assert claims.get("at_hash") == half_hash(access_token, header["alg"]), ("at_hash", claims)
    assert isinstance(claims.get("auth_time"), int), ("auth_time", claims)
    assert now - max_auth_age <= claims["auth_time"] <= now + 5, ("auth_time", claims)
    amr = claims.get("amr")
    assert isinstance(amr, list) and "pwd" in amr, ("amr", claims)
    assert isinstance(claims.get("sid"), str) and claims["sid"], ("sid", claims)
    return claims


def check_access_token(token: str, base: str = BASE_A) -> dict:
    """RFC 9068: typ at+jwt, ES256, kid published."""
    header = jose_header(token)
    assert header.get("typ", "").lower() in ("at+jwt", "application/at+jwt"), header
    assert header.get("alg") == "ES256", header
    claims = verify_jwt(token, base)
    for claim in ("iss", "sub", "exp", "iat", "jti", "scope"):
        assert claim in claims, (claim, claims)
    assert claims["iss"] == ISSUER
    return claims


def userinfo(token: str, base: str = BASE_A, method: str = "GET") -> requests.Response:
    return requests.request(method, f"{base}/userinfo", headers=bearer(token), timeout=TIMEOUT)


def users_me(token: str, base: str = BASE_A) -> requests.Response:
    return requests.get(f"{base}/users/me", headers=bearer(token), timeout=TIMEOUT)
