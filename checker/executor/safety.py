"""The only way the executor talks to AWS APIs: moto, with fake credentials, through one client factory.

Safety by construction, in three layers:

1. `sandbox()` removes every AWS_* variable (and MOTO_ACCOUNT_ID, which would put all accounts in one) from the
   environment for the run, points the config and credentials files at /dev/null, and starts moto. No profile,
   no instance metadata, no configured endpoint can be picked up.
2. `Clients` is the one factory: a botocore session that holds fake credentials; it takes no endpoint URL and
   ignores configured ones, so every request is addressed to AWS's own endpoints, which moto intercepts.
3. Every request goes through one `before-send` handler that asks moto for the answer and raises when moto has
   none (or is not running), so no request can fall through to the network.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FAKE_ACCESS_KEY = "AKIAPIPELINTFAKE0000"  # the shape of a key, known to no AWS account
FAKE_SECRET_KEY = "pipelint-fake-secret-key-not-a-real-credential"
_SCRUB_PREFIXES = ("AWS_", "BOTO_", "MOTO_")


class RealAwsRefused(RuntimeError):
    """A request that would have left the moto sandbox."""


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


FAKE = Credentials(FAKE_ACCESS_KEY, FAKE_SECRET_KEY)


@contextlib.contextmanager
def sandbox() -> Iterator[Clients]:
    """A moto world with a clean environment; yields the client factory for it."""
    saved = {key: value for key, value in os.environ.items() if key.startswith(_SCRUB_PREFIXES)}
    for key in saved:
        del os.environ[key]
    os.environ.update({
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
    })  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # moto warns about resource types its CloudFormation does not model
            from moto import mock_aws

            with mock_aws():
                yield Clients()
    finally:
        for key in [k for k in os.environ if k.startswith(_SCRUB_PREFIXES)]:
            del os.environ[key]
        os.environ.update(saved)


def _session() -> Any:
    import botocore.session
    from moto.core.models import botocore_stubber

    session = botocore.session.Session()
    session.set_config_variable("ignore_configured_endpoint_urls", True)
    session.set_config_variable("region", "us-east-1")
    session.set_credentials(FAKE.access_key, FAKE.secret_key)
    # moto's interceptor is one of botocore's built-in handlers; replace it by one that answers through moto or
    # refuses, so no request can take the path that reaches the network
    session.unregister("before-send", botocore_stubber)
    session.register("before-send", _through_moto, unique_id="pipelint-moto-or-refuse")
    return session


def _through_moto(request: Any, **kwargs: Any) -> Any:
    from moto.core.models import botocore_stubber

    response = botocore_stubber(request=request, **kwargs) if botocore_stubber.enabled else None
    if response is None:
        raise RealAwsRefused(
            f"refused {request.method} {request.url}: moto does not serve this request, and pipelint never sends "
            "requests to real AWS"
        )
    return response


class Clients:
    """Creates boto3 clients for moto, per service, region and credentials; nothing else creates clients."""

    _shared: Any = None  # the botocore session, reused across runs: loading service models is the slow part

    def __init__(self) -> None:
        if Clients._shared is None:
            Clients._shared = _session()
        self.session = Clients._shared
        self._cache: dict[tuple[str, str, Credentials], Any] = {}

    def client(self, service: str, region: str, credentials: Credentials = FAKE, **options: Any) -> Any:
        if options:  # endpoint_url above all: a client is never pointed anywhere but AWS's names, which moto serves
            raise RealAwsRefused(f"client options {sorted(options)} are not allowed: clients talk to moto only")
        key = (service, region, credentials)
        if key not in self._cache:
            from botocore.config import Config

            self._cache[key] = self.session.create_client(
                service, region_name=region, aws_access_key_id=credentials.access_key,
                aws_secret_access_key=credentials.secret_key, aws_session_token=credentials.token,
                config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1,
                              parameter_validation=True),
            )  # fmt: skip
        return self._cache[key]


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """moto prints notes on stdout ('No Moto CloudFormation support for ...'); keep them off the user's output."""
    buffer = io.StringIO()
    logger = logging.getLogger("moto")
    was = logger.disabled
    logger.disabled = True
    try:
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield buffer
    finally:
        logger.disabled = was
