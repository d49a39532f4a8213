"""Consent per purpose: the purposes a person can grant or withdraw, and the words sources state it with.

One place for both: the consent log's loader quarantines a statement whose purpose or status it cannot read, and
the dbt models (var `consent`, orchestration.dbt.dbt_vars) read the same words, so a statement the loader keeps is
one the warehouse understands.
"""

from __future__ import annotations

from typing import Any

# marketing_email: marketing and campaign email; calls: sales and service calls to the person; profiling:
# automated evaluation of the person (the customer lifetime and lead score predictions).
PURPOSES = ("marketing_email", "calls", "profiling")

# Status words as consent platforms, CRMs and preference centres export them, compared lower-cased and trimmed.
GRANTED_WORDS = ("granted", "given", "opt_in", "opt-in", "opted_in", "opted in", "optin", "subscribed", "confirmed",
                 "yes", "true", "1", "accepted", "同意", "同意する")
WITHDRAWN_WORDS = ("withdrawn", "revoked", "opt_out", "opt-out", "opted_out", "opted out", "optout", "unsubscribed",
                   "denied", "declined", "rejected", "objected", "no", "false", "0", "撤回", "拒否", "同意しない")


def purpose_sql(column: str) -> str:
    """SQL reading a purpose as written ("Marketing Email", "marketing-email") as the project's name for it."""
    return f"replace(replace(lower(trim({column})), ' ', '_'), '-', '_')"


def validated_consent_settings(consent: dict[str, Any]) -> dict[str, Any]:
    """crm.toml's [consent] section, checked: every purpose has a default and web keys are plain names (they become
    JSON paths in SQL)."""
    defaults = consent["granted_without_statement"]
    web_keys = consent["web_keys"]
    for name, table in (("granted_without_statement", defaults), ("web_keys", web_keys)):
        unknown = sorted(set(table) - set(PURPOSES))
        if unknown:
            raise ValueError(f"consent.{name}: unknown purpose(s) {', '.join(unknown)}; the purposes are "
                             f"{', '.join(PURPOSES)}")
    missing = [p for p in PURPOSES if not isinstance(defaults.get(p), bool)]
    if missing:
        raise ValueError(f"consent.granted_without_statement: give true or false for {', '.join(missing)}")
    for purpose, keys in web_keys.items():
        for key in keys:
            if not (isinstance(key, str) and key.replace("_", "").isalnum() and key.isascii()):
                raise ValueError(f"consent.web_keys.{purpose}: {key!r} is not a plain name (letters, digits, _)")
    return {
        "granted_without_statement": {p: defaults[p] for p in PURPOSES},
        "web_keys": {p: list(web_keys.get(p, [])) for p in PURPOSES},
        "honour_profiling_objections": bool(consent["honour_profiling_objections"]),
    }
