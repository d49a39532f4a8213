"""The dashboards' languages: every message in both catalogues, every key the pages use exists, and the number,
money and date formats of each language."""

import re
from datetime import UTC, date, datetime

import pytest

from common.settings import PROJECT_ROOT
from dashboards.i18n import CATALOGUES, Formats, translate, value_label

# t("key"), t('key'), nothing_to_show("key") and load-free message keys written literally in the dashboards' code.
LITERAL_KEY = re.compile(r"""\b(?:t|nothing_to_show|translate)\(\s*["']([a-z0-9_]+\.[a-z0-9_. ]+)["']""")
# Keys built from a fixed list of values, e.g. t(f"grain.{g}") for g in ("week", "month").
BUILT_KEYS = {
    "grain.": ["day", "week", "month"],
    "overview.compare.": ["previous", "year_before", "baseline"],
    "funnel.breakdown.": ["all", "acquisition_channel", "acquisition_campaign", "country", "rfm_segment",
                          "cohort_month"],
    "retention.period_number.": ["month", "week"],
    "retention.curves_caption.": ["customer_retention_rate", "revenue_retention_rate"],
    "overview.goal_judged_by.": ["month", "week"],
    "page.": ["overview", "segments", "funnel", "retention", "sales", "marketing", "service", "customer_360",
              "data_health"],
}


def test_both_languages_have_the_same_keys_and_placeholders():
    english, japanese = CATALOGUES["en"], CATALOGUES["ja"]
    assert set(english) == set(japanese)
    for key, text in english.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", japanese[key])), key
        assert japanese[key] != "" and text != ""


def test_every_key_the_dashboards_use_is_in_the_catalogues():
    sources = [path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "dashboards").rglob("*.py")
               if "i18n" not in path.parts]
    used = {key for source in sources for key in LITERAL_KEY.findall(source)}
    used |= {prefix + value for prefix, values in BUILT_KEYS.items() for value in values}
    assert len(used) > 200
    missing = sorted(key for key in used if key not in CATALOGUES["en"])
    assert not missing


def test_labels_of_data_values_are_translated_or_made_readable():
    assert value_label("segment", "at_risk", "en") == "At risk"
    assert value_label("segment", "at_risk", "ja") == "離反リスク"
    assert value_label("kpi", "basket_size_median", "ja") == "Basket size median"  # a KPI nobody translated yet
    assert value_label("segment", None, "en") == "–"
    assert translate("sales.amount", "ja", currency="USD") == "金額（USD）"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {"number": "1,234,568", "decimal": "1,234.6", "money": "$118,699", "money_jpy": "¥148,000",
            "percent": "12.3%", "date": "Nov 2, 2026", "month": "Nov 2026", "compact": "12.3M"}),
    ("ja", {"number": "1,234,568", "decimal": "1,234.6", "money": "$118,699", "money_jpy": "￥148,000",
            "percent": "12.3%", "date": "2026/11/02", "month": "2026年11月", "compact": "1234.6万"}),
])
def test_number_money_and_date_formats(language, expected):
    f = Formats(language)
    assert f.number(1234567.5) == expected["number"]
    assert f.number(1234.56, 1) == expected["decimal"]
    assert f.money(118698.6, "USD") == expected["money"]
    assert f.money(148000, "JPY") == expected["money_jpy"]
    assert f.percent(0.1234) == expected["percent"]
    assert f.date(date(2026, 11, 2)) == expected["date"]
    assert f.month(datetime(2026, 11, 2, 15, tzinfo=UTC)) == expected["month"]
    assert f.compact(12_345_678) == expected["compact"]
    assert f.number(None) == f.percent(float("nan")) == f.date(None) == "–"
    assert f.signed(3.26, 1) == "+3.3" and f.signed(-2, 0) == "-2"


@pytest.mark.parametrize(("kind", "code", "english", "japanese"), [
    ("country", "GB", "United Kingdom", "イギリス"),
    ("country", "de", "Germany", "ドイツ"),
    ("language", "en", "English", "英語"),
    ("language", "pt-BR", "Portuguese (Brazil)", "ポルトガル語 (ブラジル)"),
    ("lifecycle", "salesqualifiedlead", "Sales qualified lead", "営業認定リード"),
    ("channel", "paid_search", "Paid search", "検索広告"),
    ("deal_stage", "closed_won", "Closed won", "受注"),
    ("direction", "outbound", "Outbound", "発信"),
])
def test_codes_from_the_data_read_as_labels_in_both_languages(kind, code, english, japanese):
    assert value_label(kind, code, "en") == english
    assert value_label(kind, code, "ja") == japanese


def test_an_unknown_code_is_made_readable_and_a_missing_one_is_a_dash():
    assert value_label("country", "XX", "en") == "Xx"  # no such country: the code, readable
    assert value_label("language", "tlh-x", "en") == "Tlh-x"
    assert value_label("channel", "carrier_pigeon", "ja") == "Carrier pigeon"
    assert value_label("country", float("nan"), "en") == value_label("language", None, "ja") == "–"


def test_phone_numbers_and_days_are_written_for_reading():
    f = Formats("en")
    assert f.phone("+819012345678") == "+81 90-1234-5678"
    assert f.phone("+12125550147") == "+1 212-555-0147"
    assert f.phone("not a number") == "not a number"
    assert f.phone(None) == f.phone(float("nan")) == f.days(None) == "–"
    assert f.days(46.11) == "46" and f.days(1234.6) == "1,235"


# The marts' English summaries (fct_interactions, fct_customer_timeline) and how each reads in English (codes as
# labels) and in Japanese.
SUMMARIES = [
    ("Inbound sales email: 見積もりのお願い", "Inbound sales email: 見積もりのお願い",
     "営業メール受信：見積もりのお願い"),
    ("Outbound support email: (no subject)", "Outbound support email: (no subject)",
     "サポートメール発信：（件名なし）"),
    ("Marketing email bounced (blocked): Newsletter", "Marketing email bounced (blocked): Newsletter",
     "マーケティングメール不達（受信拒否）：Newsletter"),
    ("Clicked https://acme.example/a in marketing email", "Clicked https://acme.example/a in marketing email",
     "マーケティングメールのリンク https://acme.example/a をクリック"),
    ("Outbound sales call with 松田 幹, answered, 1 h 5 min", "Outbound sales call with 松田 幹, answered, 1 h 5 min",
     "営業電話発信（担当 松田 幹）：応答、1時間5分"),
    ("Inbound support call, no answer", "Inbound support call, no answer", "サポート電話受信：応答なし"),
    ('NPS survey: 5/10 (detractor) — "Too expensive"', 'NPS survey: 5/10 (detractor) — "Too expensive"',
     'NPSアンケート：5/10（批判者） — "Too expensive"'),
    ("Added to the CRM as salesqualifiedlead CON-1 (lead source: paid_search), owner Ann Lee",
     "Added to the CRM as Sales qualified lead CON-1 (lead source: Paid search), owner Ann Lee",
     "CRMに営業認定リードとして登録（CON-1）、リードソース：検索広告、担当 Ann Lee"),
    ("Web order ORD-5 completed: $360.00", "Web order ORD-5 completed: $360.00", "ウェブ注文 ORD-5 完了：$360.00"),
    ("Order ORD-9 refunded: amount unknown", "Order ORD-9 refunded: amount unknown", "注文 ORD-9 返金：金額不明"),
    ("Deal moved to negotiation: Acme, Inc. - Pro (9 seats), ¥1,200,000 — 松田 幹",
     "Deal moved to Negotiation: Acme, Inc. - Pro (9 seats), ¥1,200,000 — 松田 幹",
     "商談が「交渉」に進行：Acme, Inc. - Pro (9 seats)、¥1,200,000 — 松田 幹"),
    ("Deal won: Acme - Starter", "Deal won: Acme - Starter", "受注：Acme - Starter"),
    ("Invoice INV-7 issued: EUR 1,234.50, due 2026-11-02 (void)", "Invoice INV-7 issued: EUR 1,234.50, due Nov 2, 2026 "
     "(void)", "請求書 INV-7 発行：EUR 1,234.50、支払期限 2026/11/02（無効）"),
    ("Completed web checkout, order ORD-5: $360.00", "Completed web checkout, order ORD-5: $360.00",
     "ウェブで購入手続きを完了、注文 ORD-5：$360.00"),
]


@pytest.mark.parametrize(("summary", "english", "japanese"), SUMMARIES)
def test_timeline_summaries_read_in_both_languages(summary, english, japanese):
    from dashboards.i18n.summaries import readable_summary

    assert readable_summary(summary, "en") == english
    assert readable_summary(summary, "ja") == japanese


def test_a_summary_of_an_unknown_form_shows_as_the_marts_wrote_it():
    from dashboards.i18n.summaries import readable_summary

    assert readable_summary("Something new happened", "ja") == "Something new happened"
    assert readable_summary(None, "ja") is None


# (the lead score's reason as the predictions step writes it, in Japanese)
LEAD_REASONS = [
    ("web form submitted 3 times in the last 30 days", "Webフォームを送信：過去30日に3回"),
    ("called us once in the last 30 days", "電話で問い合わせ：過去30日に1回"),
    ("page visited 2 times 31 to 90 days ago", "購買意欲の高いページを閲覧：31〜90日前に2回"),
    # A signal whose words the user wrote in the seed keeps them.
    ("asked for a quote once 31 to 90 days ago", "asked for a quote：31〜90日前に1回"),
    ("last buying signal (or becoming a lead) 12 days ago", "最後の購買シグナル（またはリード化）は12日前"),
    ("last buying signal (or becoming a lead) yesterday", "最後の購買シグナル（またはリード化）は昨日"),
    ("a buying signal (or becoming a lead) today", "今日、購買シグナル（またはリード化）あり"),
    ("a lead for 1 day", "リードになって1日"),
    ("a lead for 40 days", "リードになって40日"),
    ("became a lead today", "今日リードになった"),
    ("1 buying signal so far", "これまでの購買シグナル1件"),
    ("7 buying signals so far", "これまでの購買シグナル7件"),
]


@pytest.mark.parametrize(("reason", "japanese"), LEAD_REASONS)
def test_lead_score_reasons_read_in_both_languages(reason, japanese):
    from dashboards.i18n.lead_reasons import readable_reason

    assert readable_reason(reason, "en") == reason
    assert readable_reason(reason, "ja") == japanese


def test_every_reason_the_lead_score_can_write_is_a_known_form():
    """Every feature the lead score makes from the seed's signals, at 0, 1 and many: the page can read it back."""
    import csv
    from datetime import date

    import duckdb

    from common.settings import PROJECT_ROOT
    from dashboards.i18n.lead_reasons import known_form
    from predictions.lead_score import features_of

    with open(PROJECT_ROOT / "dbt_project" / "seeds" / "lead_score_rules.csv", encoding="utf-8") as seed:
        rules = list(csv.DictReader(seed))
    con = duckdb.connect()
    con.execute("create table events (event_kind varchar, event_words varchar, event_date date)")
    con.executemany("insert into events values (?, ?, ?)",
                    [(rule["trigger_kind"], rule["reason_words"], date(2026, 1, 1)) for rule in rules])
    features = features_of(con, "events", date(2026, 6, 30))
    assert len(features) == 2 * len(rules) + 3
    for feature in features:
        for value in (0, 1, 5):
            if value or feature.none is not None:
                assert known_form(feature.reason(value)), feature.reason(value)
