"""Who may see what: when the login counts as configured, and a logged-in user's role."""

from pathlib import Path

import pytest

from common.access import ANALYST, VIEWER, LoginMisconfigured, login_configured, role_of

COMPLETE = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a-long-random-cookie-secret"
client_id = "crm-dashboards"
client_secret = "a-client-secret"
server_metadata_url = "http://127.0.0.1:9400/.well-known/openid-configuration"
"""


def test_no_secrets_file_or_no_auth_section_is_no_login(tmp_path: Path):
    assert login_configured(tmp_path / "absent.toml") is False
    other = tmp_path / "secrets.toml"
    other.write_text('[connections.other]\nurl = "x"\n')
    assert login_configured(other) is False


def test_a_complete_auth_section_is_a_login(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(COMPLETE)
    assert login_configured(secrets) is True


def test_an_empty_key_counts_as_missing_and_the_error_quotes_no_value(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(COMPLETE.replace('cookie_secret = "a-long-random-cookie-secret"', 'cookie_secret = ""'))
    with pytest.raises(LoginMisconfigured) as raised:
        login_configured(secrets)
    assert "cookie_secret" in str(raised.value) and "a-client-secret" not in str(raised.value)


def test_a_broken_secrets_file_is_named_by_line_without_its_text(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nclient_secret = "unterminated-secret-text\n')
    with pytest.raises(LoginMisconfigured) as raised:
        login_configured(secrets)
    assert "line 2" in str(raised.value) and "unterminated-secret-text" not in str(raised.value)


@pytest.mark.parametrize(("email", "role"), [
    ("ana@corp.test", ANALYST),
    ("  Ana@Corp.TEST ", ANALYST),  # the provider may write the address in another case
    ("vic@corp.test", VIEWER),
    ("ana@corp.test.evil", VIEWER),  # whole addresses only
    (None, VIEWER),
    ("", VIEWER),
])
def test_analysts_are_the_allow_listed_emails_everyone_else_a_viewer(email, role):
    assert role_of(email, ["ana@corp.test", "bo@corp.test"]) == role
