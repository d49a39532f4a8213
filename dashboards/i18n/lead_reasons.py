"""The lead score's reasons in the reader's language.

The predictions step writes each lead's top three reasons in English (predictions/lead_score.py: Feature): a buying
signal's words from seed lead_score_rules (its reason_words, which a user may rewrite) with how often and when, or
a sentence about the lead as a whole. Each form is read back here into its parts and written again with the
catalogue's message `lead_reason.<form>`; the signal's words become the catalogue's `lead_signal.<words>` when it
has them (the seed's own words), else stay as the user wrote them. A reason of a form not listed shows as written.
"""

from __future__ import annotations

import re

from dashboards.i18n import CATALOGUES, translate

# (message name, the step's English form) — tried in order, the whole reason must match.
_FORMS: list[tuple[str, re.Pattern]] = [(name, re.compile(pattern)) for name, pattern in [
    ("recent", r"(?P<words>.+) (?:(?P<n>\d+) times|(?P<once>once)) in the last (?P<days>\d+) days"),
    ("earlier", r"(?P<words>.+) (?:(?P<n>\d+) times|(?P<once>once)) (?P<start>\d+) to (?P<end>\d+) days ago"),
    ("last_signal_days", r"last buying signal \(or becoming a lead\) (?P<n>\d+) days ago"),
    ("last_signal_yesterday", r"last buying signal \(or becoming a lead\) yesterday"),
    ("last_signal_today", r"a buying signal \(or becoming a lead\) today"),
    ("lead_for", r"a lead for (?P<n>\d+) days?"),
    ("lead_today", r"became a lead today"),
    ("signals", r"(?P<n>\d+) buying signals? so far"),
    ("no_signal", r"no buying signal so far"),
]]


def readable_reason(reason: str, language: str) -> str:
    """`reason` as the step wrote it, in `language` (English is the step's own)."""
    if language == "en":
        return reason
    for name, pattern in _FORMS:
        match = pattern.fullmatch(reason)
        if match:
            parts = {key: value for key, value in match.groupdict().items() if value is not None}
            if parts.pop("once", None):
                parts["n"] = "1"
            if "words" in parts:
                parts["words"] = CATALOGUES[language].get(f"lead_signal.{parts['words']}", parts["words"])
            return translate(f"lead_reason.{name}", language, **parts)
    return reason


def known_form(reason: str) -> bool:
    """Whether a reason is one of the forms readable_reason rewrites."""
    return any(pattern.fullmatch(reason) for _, pattern in _FORMS)
