"""`employees clients add|list|remove` from the command line, on the database the two instances
share; the client it registers logs an employee in at once."""

import os
import re
import subprocess

import pytest

import rp

BIN = os.environ.get("OIDC_BIN")
pytestmark = pytest.mark.skipif(not BIN or not os.environ.get("DATABASE_URL"),
                                reason="OIDC_BIN / DATABASE_URL not set (scripts/oidc-test sets them)")


def cli(*args, check=True):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    if check:
        assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
    return r


def test_clients_add_list_remove():
    r = cli("clients", "add", "--name", "cli-rp", "--redirect-uri", rp.REDIRECT,
            "--post-logout-redirect-uri", rp.POST_LOGOUT, "--confidential",
            "--scope", "openid", "--scope", "profile", "--scope", "offline_access",
            "--grant", "authorization_code", "--grant", "refresh_token")
    client_id = re.search(r"client_id:\s*(\S+)", r.stdout).group(1)
    secret = re.search(r"client_secret:\s*(\S+)", r.stdout).group(1)
    client = rp.Client(client_id, secret, [rp.REDIRECT], [rp.POST_LOGOUT], True,
                       ["openid", "profile", "offline_access"],
                       ["authorization_code", "refresh_token"], False)
    t = rp.code_flow(client, scope="openid profile offline_access")
    rp.verify_id_token(t["id_token"], client, nonce=t["_nonce"], access_token=t["access_token"])
    assert client_id in cli("clients", "list").stdout
    assert secret not in cli("clients", "list").stdout
    cli("clients", "remove", client_id)
    assert rp.userinfo(t["access_token"]).status_code == 401, "removing a client ends its sessions"
    if rp.BASE_B:
        assert rp.userinfo(t["access_token"], base=rp.BASE_B).status_code == 401
    assert client_id not in cli("clients", "list").stdout


def test_clients_add_public_has_no_secret():
    r = cli("clients", "add", "--name", "cli-public", "--redirect-uri", rp.REDIRECT,
            "--scope", "openid")
    assert re.search(r"client_id:\s*\S+", r.stdout)
    assert "client_secret" not in r.stdout


def test_clients_add_refuses_a_bad_redirect_uri():
    r = cli("clients", "add", "--name", "bad", "--redirect-uri", "http://example.com/cb",
            "--scope", "openid", check=False)
    assert r.returncode != 0


def test_swagger_ui_client_is_registered():
    assert "swagger-ui" in cli("clients", "list").stdout
