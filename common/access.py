"""Who may see what on the dashboards: the login (Streamlit's OpenID Connect support, configured in its secrets
file) and the two roles. Read by `crm dashboard` (may it listen beyond this machine?) and by the dashboards."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ANALYST = "analyst"  # everything: Customer 360, contact lists, the full serving file
VIEWER = "viewer"  # the pages without personal data, read from the serving file without direct PII

# What st.login needs in the secrets' [auth] section for its default provider (Streamlit's documented keys).
LOGIN_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


class LoginMisconfigured(ValueError):
    """The secrets file has an [auth] section st.login cannot use; the message names keys, never values."""


def login_configured(secrets_file: Path) -> bool:
    """True when the secrets file's [auth] section has every key of LOGIN_KEYS; False without the file or the
    section. A section with only some of them is an error: a half-configured login must not pass for none."""
    try:
        with secrets_file.open("rb") as handle:
            secrets = tomllib.load(handle)
    except FileNotFoundError:
        return False
    except tomllib.TOMLDecodeError as exc:
        # Only where the error is: a parser's message could quote the line, which may hold a secret.
        where = re.search(r"line \d+", str(exc))
        raise LoginMisconfigured(f"{secrets_file} is not valid TOML ({where.group() if where else 'unreadable'})") \
            from None
    auth = secrets.get("auth")
    if auth is None:
        return False
    missing = [key for key in LOGIN_KEYS if not auth.get(key)]
    if missing:
        raise LoginMisconfigured(f"{secrets_file}: [auth] lacks {', '.join(missing)}")
    return True


def login_host(secrets_file: Path) -> str:
    """The host name users reach the dashboards by: the host of the login's redirect URI (the provider sends them
    back there). Call only when login_configured is true."""
    with secrets_file.open("rb") as handle:
        return urlsplit(tomllib.load(handle)["auth"]["redirect_uri"]).hostname or "localhost"


def role_of(email: str | None, analyst_emails: Iterable[str]) -> str:
    """A logged-in user's role: analyst when the provider's email is on crm.toml's allow-list, else viewer."""
    if email and email.strip().lower() in {e.lower() for e in analyst_emails}:
        return ANALYST
    return VIEWER
