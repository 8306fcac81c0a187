"""Recovery by email from outside (issue 26, point 7): the reset message is caught by a real SMTP
server (aiosmtpd, started by scripts/oidc-test) although two instances send the outbox, arrives
exactly once, and its link is followed: the page, the new password, a login with it."""

import email
import os
import re
import time
from email import policy
from pathlib import Path

import pytest
import requests

import rp

CAUGHT = os.environ.get("OIDC_MAIL_CAUGHT")
pytestmark = pytest.mark.skipif(not CAUGHT, reason="OIDC_MAIL_CAUGHT not set (no SMTP catcher)")

# A seeded active employee that no other test of the suite logs in as.
WHO = "arif.famili.500033@gmail.com"
NEW = "a-brand-new-password"
# The senders poll the outbox every 5 s: a duplicate would have arrived within two polls.
POLL_SECS = 5


def caught(recipient: str) -> list:
    found = []
    for path in sorted(Path(CAUGHT).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if recipient in str(message["To"]):
            found.append(message)
    return found


def wait_for(recipient: str, count: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = caught(recipient)
        if len(messages) >= count:
            return messages
        time.sleep(0.2)
    pytest.fail(f"{count} message(s) to {recipient} did not arrive in {timeout} s")


def test_reset_by_mail_link_followed():
    before = len(caught(WHO))
    old = rp.password_token(WHO, rp.PASSWORD, base=rp.BASE_A)
    # Asked at B; an unknown email at A gets the very same answer.
    asked = requests.post(f"{rp.BASE_B}/password-reset", json={"email": WHO}, timeout=rp.TIMEOUT)
    assert asked.status_code == 202, asked.text
    unknown = requests.post(f"{rp.BASE_A}/password-reset", data={"email": "nobody@example.com"},
                            timeout=rp.TIMEOUT)
    assert (unknown.status_code, unknown.json()) == (202, asked.json())

    message = wait_for(WHO, before + 1)[-1]
    time.sleep(2 * POLL_SECS + 1)
    assert len(caught(WHO)) == before + 1, "sent once, although two instances send the outbox"
    assert not caught("nobody@example.com"), "nothing for an unknown email"
    assert message["Subject"] == "Reset your Employees password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(https?://\S+/password-reset/[A-Za-z0-9_-]{43})", body).group(1)
    assert link.startswith(f"{rp.ISSUER}/password-reset/")

    # The page, as a browser gets it; then its form, posted as a browser does.
    html = {"Accept": "text/html"}
    page = requests.get(link, headers=html, timeout=rp.TIMEOUT)
    assert page.status_code == 200 and 'name="new_password"' in page.text
    done = requests.post(link, data={"new_password": NEW, "confirm_password": NEW},
                         headers=html, timeout=rp.TIMEOUT)
    assert done.status_code == 200 and "Password changed" in done.text, done.text[:500]

    # The new password logs in at either instance; the old one no more; the old session ended.
    rp.password_token(WHO, NEW, base=rp.BASE_B)
    refused = requests.post(f"{rp.BASE_A}/token",
                            data={"username": WHO, "password": rp.PASSWORD}, timeout=rp.TIMEOUT)
    assert refused.status_code == 400
    assert rp.users_me(old["access_token"], base=rp.BASE_B).status_code == 401
    renewed = requests.post(f"{rp.BASE_A}/token", timeout=rp.TIMEOUT, data={
        "grant_type": "refresh_token", "refresh_token": old["refresh_token"]})
    assert renewed.status_code == 400

    # The link works once, and says so.
    again = requests.post(link, json={"new_password": "yet-another-password"}, timeout=rp.TIMEOUT)
    assert again.status_code == 400 and "used already" in again.json()["detail"]
