"""Constants and process parameters of the sample-data simulation.

Everything that shapes the simulated business lives here, so that ``truth.json`` can record it and the
warehouse tests can reason about it. Mappings are read-only (``MappingProxyType``): the package keeps no
mutable module state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

WINDOW_DAYS = 730
# Events are kept this far inside the window so that local-time renderings (JST, PBX time) stay in it too.
WINDOW_MARGIN_S = 12 * 3600

COMPANY_DOMAIN = "acme.example"
COMPANY_DOMAIN_JP = "acme.example.co.jp"
WEBSITE = "https://www.acme.example"
PBX_TIMEZONE = "Asia/Tokyo"  # crm.toml phone.pbx_timezone: the sales office PBX is in Tokyo
TWILIO_ACCOUNT_SID = "AC5e1f0c2d9b8a47f6a3c1e2d4b5a69788"

LOCALES = ("ja_JP", "en_US", "en_GB", "de_DE", "fr_FR")
COUNTRY_BY_LOCALE = MappingProxyType(
    {"ja_JP": "JP", "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}
)
LANGUAGE_BY_LOCALE = MappingProxyType(
    {"ja_JP": "ja", "en_US": "en", "en_GB": "en", "de_DE": "de", "fr_FR": "fr"}
)
WEB_LOCALE_BY_LOCALE = MappingProxyType(
    {"ja_JP": "ja-JP", "en_US": "en-US", "en_GB": "en-GB", "de_DE": "de-DE", "fr_FR": "fr-FR"}
)
CURRENCY_BY_COUNTRY = MappingProxyType({"JP": "JPY", "US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR"})
REGION_BY_COUNTRY = MappingProxyType({"JP": "JP", "US": "NA", "GB": "EMEA", "DE": "EMEA", "FR": "EMEA"})
TIMEZONE_BY_COUNTRY = MappingProxyType(
    {"JP": "Asia/Tokyo", "GB": "Europe/London", "DE": "Europe/Berlin", "FR": "Europe/Paris"}
)
COUNTRY_CALLING_CODE = MappingProxyType({"JP": "81", "US": "1", "GB": "44", "DE": "49", "FR": "33"})
CHANNELS = ("organic_search", "paid_search", "social", "email", "referral", "direct", "event")
DEAL_STAGES = ("qualification", "meeting", "proposal", "negotiation", "closed_won", "closed_lost")


def _ro(d: dict[str, Any]) -> MappingProxyType:
    return MappingProxyType(d)


@dataclass(frozen=True)
class ProcessParameters:
    """Parameters of every random process of the simulation (recorded in truth.json)."""

    locale_shares: MappingProxyType = field(
        default_factory=lambda: _ro(
            {"ja_JP": 0.35, "en_US": 0.35, "en_GB": 0.10, "de_DE": 0.10, "fr_FR": 0.10}
        )
    )
    channel_shares: MappingProxyType = field(
        default_factory=lambda: _ro(
            {
                "organic_search": 0.27,
                "paid_search": 0.18,
                "social": 0.13,
                "email": 0.07,
                "referral": 0.11,
                "direct": 0.14,
                "event": 0.10,
            }
        )
    )
    # Growth: first-touch density rises linearly from 1 to (1 + growth) over the window.
    acquisition_growth: float = 0.8
    company_share: float = 0.70
    people_per_company: float = 12.0
    work_email_share: float = 0.85
    marketing_consent_rate: float = 0.75
    # Share of referral/direct people who arrive offline (phone call, partner intro) without a web trace.
    offline_share_referral_direct: float = 0.2
    form_identify_rate: MappingProxyType = field(
        default_factory=lambda: _ro(
            {
                "organic_search": 0.30,
                "paid_search": 0.38,
                "social": 0.20,
                "email": 0.45,
                "referral": 0.42,
                "direct": 0.33,
                "event": 0.50,
            }
        )
    )
    form_same_session_share: float = 0.35
    form_delay_mean_days: float = 12.0
    web_purchase_rate: MappingProxyType = field(
        default_factory=lambda: _ro(
            {
                "organic_search": 0.21,
                "paid_search": 0.27,
                "social": 0.12,
                "email": 0.27,
                "referral": 0.29,
                "direct": 0.25,
                "event": 0.12,
            }
        )
    )
    web_purchase_delay_mean_days: float = 21.0
    deal_rate: MappingProxyType = field(
        default_factory=lambda: _ro(
            {
                "organic_search": 0.28,
                "paid_search": 0.32,
                "social": 0.18,
                "email": 0.28,
                "referral": 0.48,
                "direct": 0.30,
                "event": 0.52,
            }
        )
    )
    deal_delay_mean_days: float = 10.0
    stage_advance: MappingProxyType = field(
        default_factory=lambda: _ro(
            {"qualification": 0.74, "meeting": 0.70, "proposal": 0.76, "negotiation": 0.76}
        )
    )
    stage_mean_days: MappingProxyType = field(
        default_factory=lambda: _ro(
            {"qualification": 8.0, "meeting": 11.0, "proposal": 14.0, "negotiation": 12.0}
        )
    )
    # Buy-till-you-die (BG/NBD): purchase rate per year ~ Gamma(r, scale=1/alpha);
    # dropout probability after each purchase ~ Beta(a, b).
    bgnbd_r: float = 2.0
    bgnbd_alpha: float = 0.8
    bgnbd_a: float = 0.7
    bgnbd_b: float = 3.2
    repeat_same_channel: MappingProxyType = field(default_factory=lambda: _ro({"web": 0.9, "sales": 0.7}))
    refund_rate: float = 0.03
    cart_abandon_rate_known: float = 0.30
    cart_abandon_rate_anonymous: float = 0.08
    invoice_void_rate: float = 0.01
    invoice_unpaid_rate: float = 0.04
    invoice_pay_median_days: float = 18.0
    # Web browsing.
    pre_identify_sessions_mean: float = 0.6
    known_sessions_per_month: float = 0.15
    pages_per_session_mean: float = 1.0
    second_device_share: float = 0.2
    email_click_web_session_share: float = 0.8
    # Marketing email (SendGrid).
    newsletter_audience_share: float = 0.6
    promo_audience_share: float = 0.4
    bad_address_share: float = 0.015
    blocked_rate: float = 0.004
    open_propensity_beta: tuple[float, float] = (1.4, 3.2)
    extra_opens_mean: float = 0.4
    click_given_open: float = 0.18
    unsubscribe_rate: float = 0.004
    spamreport_rate: float = 0.0006
    # Sales conversations and calls.
    prospect_thread_rate: float = 0.35
    deal_threads_mean: float = 1.6
    reply_rate_outreach: float = 0.35
    deal_calls_mean: float = 2.4
    prospect_call_rate: float = 0.3
    call_disposition: MappingProxyType = field(
        default_factory=lambda: _ro({"ANSWERED": 0.62, "NO ANSWER": 0.28, "BUSY": 0.07, "FAILED": 0.03})
    )
    # Support.
    tickets_per_customer_year: float = 0.55
    ticket_email_share: MappingProxyType = field(
        default_factory=lambda: _ro({"JP": 0.75, "NA": 0.55, "EMEA": 0.6})
    )
    first_contact_resolution: float = 0.55
    agent_reply_median_hours: float = 3.0
    customer_reply_median_hours: float = 7.0
    twilio_status: MappingProxyType = field(
        default_factory=lambda: _ro(
            {"completed": 0.86, "no-answer": 0.06, "busy": 0.03, "failed": 0.02, "canceled": 0.03}
        )
    )
    # Japanese people: share of their email messages written in Japanese.
    japanese_message_share: float = 1 / 3
    iso2022jp_share: float = 0.5
    multipart_share: float = 0.2
    native_language_message_share: float = 0.4
    # Surveys.
    nps_response_rate: float = 0.2
    csat_response_rate: float = 0.32
    nps_mean: float = 8.0
    nps_person_sd: float = 1.8
    survey_contact_id_share: float = 0.75
    # Noise.
    duplicate_row_rate: float = 0.005
    duplicate_contact_rate: float = 0.03
    missing_email_rate: float = 0.05
    missing_phone_rate: float = 0.06
    shared_inbox_company_share: float = 0.03
    fullwidth_phone_rate_jp: float = 0.12
    fullwidth_email_rate_jp: float = 0.02
    romanized_name_rate_jp: float = 0.05

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            key, value = f.name, getattr(self, f.name)
            if isinstance(value, MappingProxyType):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        out["pbx_timezone"] = PBX_TIMEZONE
        out["window_days"] = WINDOW_DAYS
        return out
