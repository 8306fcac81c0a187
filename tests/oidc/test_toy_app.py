"""docs/oidc.md's toy application (examples/toy_app.py), run as a newcomer would: registered,
started, visited; the employee signs in on our login page and the toy greets them by name."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

import rp

TOY = Path(__file__).resolve().parents[2] / "examples" / "toy_app.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_toy_app_logs_an_employee_in():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client = rp.register_client(redirect_uris=[f"{base}/callback"],
                                allowed_scopes=["openid", "profile", "email"])
    env = dict(os.environ, ISSUER=rp.BASE_A, PORT=str(port), CLIENT_ID=client.client_id,
               CLIENT_SECRET=client.client_secret)
    toy = subprocess.Popen([sys.executable, str(TOY)], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/nothing", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        b = rp.Browser()
        start = b.s.get(f"{base}/", allow_redirects=False, timeout=rp.TIMEOUT)
        assert start.status_code == 302, start.text
        assert start.headers["Location"].startswith(f"{rp.BASE_A}/authorize?")
        out = b.authorize(start.headers["Location"], client_prefixes=(base,))
        assert out.logins == 1 and out.callback, out.steps
        page = b.s.get(out.callback, timeout=rp.TIMEOUT)
        assert page.status_code == 200, page.text
        assert "<h1>Hello, Pranav Furedi</h1>" in page.text, page.text
        assert "Employee 10198" in page.text, page.text
    finally:
        toy.terminate()
        output = toy.communicate(timeout=10)[0]
        print(output)
