"""Fixtures of the relying-party suite. The service is started by scripts/oidc-test (two
instances on one database); OIDC_BASE_A / OIDC_BASE_B name them."""

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

import rp  # noqa: E402


def pytest_report_header(config):
    return [f"oidc: A={rp.BASE_A} B={rp.BASE_B} issuer={rp.ISSUER}"]


@pytest.fixture(scope="session", autouse=True)
def service_up():
    r = requests.get(f"{rp.BASE_A}/readyz", timeout=10)
    assert r.status_code == 200, f"the service at {rp.BASE_A} is not ready"


@pytest.fixture(scope="session")
def confidential():
    return rp.register_client(confidential=True)


@pytest.fixture(scope="session")
def public():
    return rp.register_client(confidential=False)


@pytest.fixture
def fresh_confidential():
    return rp.register_client(confidential=True)


@pytest.fixture(scope="session")
def other_confidential():
    """A second confidential client with the same redirect URI: codes and tokens are bound to
    the client they were issued to, not to the URI."""
    return rp.register_client(confidential=True)
