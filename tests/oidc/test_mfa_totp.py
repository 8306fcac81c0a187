"""The second factor from outside (issue 26): TOTP codes made by pyotp, an implementation
independent of the service's, against two instances sharing one database. The enrolment's
otpauth URI is read by pyotp; a code used on one instance is refused on the other; the tokens
carry amr ["pwd", "otp", "mfa"], verified with the published keys. No sleeping: the service
accepts the next step's code (one step of skew), which pyotp makes with `at(now + 30)`."""

import time

import pyotp
import requests

import rp

EMAIL = "huan.tempesti.500038@gmail.com"
GRANT = "urn:employees:params:oauth:grant-type:mfa-otp"
B = rp.BASE_B or rp.BASE_A


def post(base, path, token, payload, method="POST"):
    return requests.request(method, f"{base}{path}", json=payload, headers=rp.bearer(token),
                            timeout=rp.TIMEOUT)


def password_step(base):
    r = requests.post(f"{base}/token", data={"username": EMAIL, "password": rp.PASSWORD},
                      timeout=rp.TIMEOUT)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "mfa_required", body
    assert "access_token" not in body
    return body["mfa_token"]


def otp_step(base, mfa_token, otp):
    return requests.post(f"{base}/token", data={"grant_type": GRANT, "mfa_token": mfa_token,
                                                "otp": otp}, timeout=rp.TIMEOUT)


def test_totp_with_pyotp_on_two_instances():
    token = rp.password_token(EMAIL)["access_token"]
    begun = post(rp.BASE_A, "/users/me/mfa/totp", token, {})
    assert begun.status_code == 200, begun.text
    body = begun.json()
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert parsed.secret == body["secret"]
    assert parsed.issuer == "Employees" and parsed.name == EMAIL
    assert parsed.digits == 6 and parsed.interval == 30
    totp = pyotp.TOTP(body["secret"])

    # Confirmed on the other instance with pyotp's code of now.
    now = time.time()
    confirmed = post(B, "/users/me/mfa/totp/confirm", token, {"code": totp.at(now)})
    assert confirmed.status_code == 200, confirmed.text
    recovery = confirmed.json()["recovery_codes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10

    try:
        # The password alone no longer logs in; the next step's code does, on instance B.
        pending = password_step(rp.BASE_A)
        ahead = totp.at(now + 30)
        done = otp_step(B, pending, ahead)
        assert done.status_code == 200, done.text
        access = done.json()["access_token"]
        claims = rp.verify_jwt(access)
        assert claims["amr"] == ["pwd", "otp", "mfa"], claims
        assert rp.users_me(access).status_code == 200

        # That step is spent for this employee on every instance, and the mfa_token once used.
        again = password_step(B)
        replayed = otp_step(rp.BASE_A, again, ahead)
        assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
        reused = otp_step(rp.BASE_A, pending, totp.at(now + 30))
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

        # A recovery code works once.
        done = otp_step(rp.BASE_A, again, recovery[0])
        assert done.status_code == 200, done.text
        third = password_step(B)
        assert otp_step(B, third, recovery[0]).status_code == 400
    finally:
        # Off again (password and a recovery code), so that the account is as it was.
        off = post(B, "/users/me/mfa/totp", token, {"password": rp.PASSWORD, "code": recovery[1]},
                   method="DELETE")
        assert off.status_code == 204, off.text
    assert rp.password_token(EMAIL)["access_token"]
