"""A toy application that logs employees in through the employees service: OpenID Connect,
authorization code with PKCE, the ID token checked with the published keys, then /userinfo.

    # once, as an admin (prints CLIENT_ID and CLIENT_SECRET):
    employees clients add --name Toy --redirect-uri http://127.0.0.1:5000/callback \\
        --confidential --scope openid --scope profile --scope email
    pip install authlib requests
    ISSUER=http://127.0.0.1:8000 CLIENT_ID=… CLIENT_SECRET=… python3 examples/toy_app.py
    # then open http://127.0.0.1:5000/ and sign in on the employees login page

Standard library plus Authlib; no framework. tests/oidc/test_toy_app.py runs it.
"""
import html
import http.server
import os
import secrets
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

ISSUER = os.environ.get("ISSUER", "http://127.0.0.1:8000")
PORT = int(os.environ.get("PORT", "5000"))
CALLBACK = f"http://127.0.0.1:{PORT}/callback"
META = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=10).json()
pending = {}  # state -> (PKCE verifier, nonce), until the browser comes back


def oauth() -> OAuth2Session:
    return OAuth2Session(os.environ["CLIENT_ID"], os.environ.get("CLIENT_SECRET"),
                         scope="openid profile email", redirect_uri=CALLBACK,
                         code_challenge_method="S256")


class Toy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":  # not logged in here: off to the identity provider
            verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
            location, state = oauth().create_authorization_url(
                META["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
            pending[state] = (verifier, nonce)
            return self.answer(302, "", location)
        if url.path != "/callback":
            return self.answer(404, "Not found")
        query = dict(urllib.parse.parse_qsl(url.query))
        verifier, nonce = pending.pop(query.get("state", ""), (None, None))
        if verifier is None or "code" not in query:
            return self.answer(400, f"Login failed: {html.escape(query.get('error', 'unknown state'))}")
        client = oauth()
        token = client.fetch_token(META["token_endpoint"], code=query["code"], code_verifier=verifier)
        keys = JsonWebKey.import_key_set(requests.get(META["jwks_uri"], timeout=10).json())
        claims = jwt.decode(token["id_token"], keys, claims_options={
            "iss": {"essential": True, "value": META["issuer"]},
            "aud": {"essential": True, "value": client.client_id},
            "nonce": {"essential": True, "value": nonce}})
        claims.validate()  # signature above; iss, aud, nonce, exp, iat here
        me = client.get(META["userinfo_endpoint"]).json()
        self.answer(200, f"<h1>Hello, {html.escape(me['name'])}</h1><p>Employee {html.escape(claims['sub'])}: "
                         f"{html.escape(str(me.get('title')))}, {html.escape(str(me.get('department')))}.</p>")

    def answer(self, status: int, body: str, location: str | None = None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())


if __name__ == "__main__":
    print(f"toy app on http://127.0.0.1:{PORT}/ (identity provider {ISSUER})", flush=True)
    http.server.HTTPServer(("127.0.0.1", PORT), Toy).serve_forever()
