"""Timeline summaries in the reader's language.

The marts write each touchpoint's one-line summary in English, with codes in it (`Added to the CRM as
salesqualifiedlead …`, `Deal moved to negotiation: …`). Each form the marts write (fct_interactions,
fct_customer_timeline) is read back here into its parts — the words around them are the marts' — and written again
with the catalogue's message `summary.<form>`: in Japanese, or in English with the codes as labels. Names, subjects,
amounts and comments stay as the data has them. A summary of a form not listed here shows as the marts wrote it;
tests/e2e/test_dashboards.py checks that every summary of the published warehouse is one of these forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dashboards.i18n import CATALOGUES, Formats, translate, value_label

# Amounts as the marts' format_money macro writes them: a symbol or an ISO code, grouped digits, maybe decimals.
_MONEY = r"(?:[A-Z]{3} |CN¥|[¥$€£₩₹])-?\d[\d,]*(?:\.\d+)?"
_DEAL_TAIL = rf"(?P<deal>.+?)(?:, (?P<deal_amount>{_MONEY}))?(?: — (?P<by>.+))?"
_CAMPAIGN = r"(?:: (?P<campaign>.+))?"

# (message name, the marts' English form) — tried in order, the whole summary must match.
_FORMS: list[tuple[str, re.Pattern]] = [(name, re.compile(pattern, re.DOTALL)) for name, pattern in [
    ("email", r"(?P<direction>Inbound|Outbound) (?P<mailbox>\S+) email: (?P<subject>.*)"),
    ("campaign_processed", r"Marketing email queued" + _CAMPAIGN),
    ("campaign_delivered", r"Marketing email delivered" + _CAMPAIGN),
    ("campaign_open", r"Opened marketing email" + _CAMPAIGN),
    ("campaign_click", r"Clicked (?P<url>\S+) in marketing email" + _CAMPAIGN),
    ("campaign_bounce", r"Marketing email bounced(?: \((?P<bounce>[^)]*)\))?" + _CAMPAIGN),
    ("campaign_unsubscribe", r"Unsubscribed from marketing email" + _CAMPAIGN),
    ("campaign_spamreport", r"Reported marketing email as spam" + _CAMPAIGN),
    ("web_page", r"Viewed (?P<page>.+)"),
    ("web_identify", r"Identified on the website(?: as (?P<as_email>.+))?"),
    ("web_alias", r"Website visitor linked to CRM contact (?P<contact>.+)"),
    ("web_group", r"Website visitor joined account (?P<account>.+)"),
    ("web_form", r"Submitted web form (?P<form>\S*)(?: on (?P<on_path>.+))?"),
    ("web_cart", r"Added to cart: (?P<product>.+)"),
    ("web_checkout", rf"Started checkout(?:: (?P<colon_amount>{_MONEY}))?"),
    ("web_checkout_completed",
     rf"Completed web checkout(?:, order (?P<order_ref>[^:]+))?(?:: (?P<colon_amount>{_MONEY}))?"),
    ("web_event", r"Web event: (?P<event>.+)"),
    ("call", r"(?P<direction>Inbound|Outbound) (?P<mailbox>sales|support) call(?: with (?P<agent>.+?))?, "
             r"(?P<outcome>answered(?:, .+)?|[a-z ]+)"),
    ("survey", r"(?P<kind>[A-Z]+) survey: (?P<score>\S+?)(?: \((?P<category>promoter|passive|detractor)\))?"
               r"(?: — (?P<comment>\".*))?"),
    ("contact_created", r"Added to the CRM as (?P<lifecycle>a contact|\S+) (?P<contact>\S+)"
                        r"(?: \(lead source: (?P<lead_source>[^)]*)\))?(?:, owner (?P<owner>.+))?"),
    ("order", r"(?P<order_kind>Web order|Order) (?P<order>\S+) (?P<order_status>\S*): (?P<amount>.+)"),
    ("deal_won", r"Deal won: " + _DEAL_TAIL),
    ("deal_lost", r"Deal lost: " + _DEAL_TAIL),
    ("deal_opened", r"Deal opened \((?P<deal_stage>[^)]*)\): " + _DEAL_TAIL),
    ("deal_moved", r"Deal moved to (?P<deal_stage>\S+): " + _DEAL_TAIL),
    ("invoice_issued", rf"Invoice (?P<invoice>\S+) issued: (?P<amount>{_MONEY}|amount unknown)"
                       r"(?:, due (?P<due>\d{4}-\d{2}-\d{2}))?(?P<void> \(void\))?"),
    ("invoice_paid", rf"Invoice (?P<invoice>\S+) paid: (?P<amount>{_MONEY}|amount unknown)"),
]]

_DURATION = re.compile(r"(?:(?P<hours>\d+) h )?(?P<minutes>\d+) min|(?P<seconds>\d+) s")


def readable_summary(summary: str | None, language: str) -> str | None:
    """The marts' English summary of a touchpoint written in `language` with its codes as labels; unchanged when
    its form is not known here."""
    if not summary:
        return summary
    for name, pattern in _FORMS:
        match = pattern.fullmatch(summary)
        if match:
            parts = {part: _PARTS.get(part, _as_is)(value, language) if value is not None else ""
                     for part, value in match.groupdict().items()}
            return translate(f"summary.{name}", language, **parts)
    return summary


def known_form(summary: str) -> bool:
    """Whether a summary is one of the forms readable_summary rewrites."""
    return any(pattern.fullmatch(summary) for _, pattern in _FORMS)


def _as_is(value: str, language: str) -> str:
    return value


def _message_or_value(prefix: str) -> Callable[[str, str], str]:
    """The message `prefix.<value>` when the catalogue has one, else the value as the marts wrote it."""
    def render(value: str, language: str) -> str:
        key = f"{prefix}.{value.lower().replace(' ', '_')}"
        return translate(key, language) if key in CATALOGUES[language] else value
    return render


def _optional(part: str, render_value: Callable[[str, str], str] = _as_is) -> Callable[[str, str], str]:
    """An optional part of a summary (", owner Ann"), written with the message `summary.part.<part>`."""
    def render(value: str, language: str) -> str:
        return translate(f"summary.part.{part}", language, value=render_value(value, language)) if value else ""
    return render


def _label(kind: str) -> Callable[[str, str], str]:
    return lambda value, language: value_label(kind, value, language)


def _subject(value: str, language: str) -> str:
    return translate("summary.no_subject", language) if value == "(no subject)" else value


def _lifecycle(value: str, language: str) -> str:
    return translate("summary.a_contact", language) if value == "a contact" else value_label("lifecycle", value,
                                                                                              language)


def _deal_stage(value: str, language: str) -> str:
    if value in ("?", "stage unknown", ""):
        return translate("summary.stage_unknown", language)
    return value_label("deal_stage", value, language)


def _amount(value: str, language: str) -> str:
    return translate("summary.amount_unknown", language) if value == "amount unknown" else value


def _order_kind(value: str, language: str) -> str:
    return translate("summary.order_kind.web_order" if value == "Web order" else "summary.order_kind.order", language)


def _due(value: str, language: str) -> str:
    return translate("summary.part.due", language, value=Formats(language).date(value))


def _void(value: str, language: str) -> str:
    return translate("summary.part.void", language)


def _call_outcome(value: str, language: str) -> str:
    answered, _, duration = value.partition(", ")
    if answered == "answered":
        if not duration:
            return translate("summary.call.answered", language)
        return translate("summary.call.answered_for", language, duration=_duration(duration, language))
    return _message_or_value("summary.call_outcome")(value, language)


def _duration(value: str, language: str) -> str:
    match = _DURATION.fullmatch(value)
    if not match:
        return value
    if match["seconds"]:
        return translate("summary.duration.seconds", language, seconds=match["seconds"])
    if match["hours"]:
        return translate("summary.duration.hours", language, hours=match["hours"], minutes=match["minutes"])
    return translate("summary.duration.minutes", language, minutes=match["minutes"])


# How each part of a form is written; a part not listed is data (a name, a subject, an amount) and stays as it is.
_PARTS: dict[str, Callable[[str, str], str]] = {
    "direction": _message_or_value("summary.direction"),
    "mailbox": _message_or_value("summary.mailbox"),
    "subject": _subject,
    "campaign": _optional("campaign"),
    "bounce": _optional("bounce", _message_or_value("summary.bounce")),
    "as_email": _optional("as_email"),
    "on_path": _optional("on_path"),
    "colon_amount": _optional("colon_amount"),
    "order_ref": _optional("order_ref"),
    "agent": _optional("agent"),
    "outcome": _call_outcome,
    "category": _optional("category", _message_or_value("summary.nps")),
    "comment": _optional("comment"),
    "lifecycle": _lifecycle,
    "lead_source": _optional("lead_source", _label("channel")),
    "owner": _optional("owner"),
    "order_kind": _order_kind,
    "order_status": _message_or_value("summary.order_status"),
    "amount": _amount,
    "deal_amount": _optional("deal_amount"),
    "by": _optional("by"),
    "deal_stage": _deal_stage,
    "due": _due,
    "void": _void,
}
