import random

import duckdb
import pandas as pd
import pytest

from common.normalize import nfkc, normalize_email, normalize_name, normalize_phone, simple_email_sql


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Taro.Yamada@Example.COM", "taro.yamada@example.com"),
        ("  <hanako@example.jp>  ", "hanako@example.jp"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),  # full-width, as typed with a Japanese IME
        ("not-an-email", None),
        ("two@@example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+81 90-1234-5678", "US", "+819012345678"),  # the country code wins over the default region
        ("090-1234-5678", "JP", "+819012345678"),
        ("０９０－１２３４－５６７８", "JP", "+819012345678"),  # full-width digits and dashes
        ("09012345678", "JP", "+819012345678"),
        ("(212) 555-0147", "US", "+12125550147"),
        ("+1 212 555 0147", "JP", "+12125550147"),
        ("212-555-0147", "US", "+12125550147"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0000000000", "US", None),  # placeholder
        ("n/a", "US", None),
        ("12", "US", None),
        (None, "US", None),
    ],
)
def test_normalize_phone(raw, region, expected):
    assert normalize_phone(raw, region) == expected


def test_nfkc_folds_width_and_spaces():
    assert nfkc("ＡＣＭＥ　株式会社") == "ACME 株式会社"
    assert nfkc("  ") is None


def test_normalize_name_keeps_script_and_folds_case():
    assert normalize_name("山田　太郎") == "山田 太郎"
    assert normalize_name("ＴＡＲＯ Yamada") == "taro yamada"


def _simple_email_results(values: list[str]) -> list[str | None]:

    con = duckdb.connect()
    con.execute("create table t (i integer, raw varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(values)))
    return [r[0] for r in con.execute(f"select {simple_email_sql('raw')} from t order by i").fetchall()]


def test_simple_email_sql_agrees_with_email_validator():
    """The loader's SQL fast path may only answer where email-validator gives the same answer."""
    rng = random.Random(3)
    edge_cases = [
        "Taro.Yamada@Example.COM", " a@b.co ", "a@localhost", "x@mail.localhost", "a@b.test", "a@b.local",
        "a@b.onion", "a@in-addr.arpa", "a@ab--cd.com", "a@xn--bcher-kva.ch", "a@b.c", "a@b.123", "a@-b.com",
        "a@b-.com", "a..b@c.com", ".a@c.com", "a.@c.com", "'a@b.com", "a'b@c.com", "a@b.com.", "a@@b.com",
        "x" * 64 + "@b.com", "x" * 65 + "@b.com", "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com",
        "a@" + ".".join(["b" * 60] * 5) + ".com", "first+tag@sub.domain.co.jp", "a_b-c@d.io", "a@b.internal",
    ]
    alphabet = "ab.-_+@'\"<> 1"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 12))) for _ in range(3000)]
    words = ["taro", "Hanako.Sato", "k-ito", "info", "sales+jp", "x"]
    domains = ["example.com", "Mail.Example.CO.JP", "b--c.io", "xn--p1ai", "localhost", "a.test", "1.2.3.4"]
    built = [f"{rng.choice(words)}@{rng.choice(domains)}" for _ in range(500)]
    values = edge_cases + fuzz + built
    fast = _simple_email_results(values)
    answered = [(raw, got) for raw, got in zip(values, fast, strict=True) if got is not None]
    assert len(answered) > 100  # the fast path does take the common shape
    assert [(raw, normalize_email(raw)) for raw, _ in answered] == answered


PHONE_REGIONS = ("US", "CA", "GB", "JP", "FR", "DE")


def _phone_samples() -> list[str]:
    """Numbers in and near the fast path's shapes: edge cases and 6,000 random ones."""
    rng = random.Random(5)
    edge_cases = ["+1 212 555 0147", "+12125550147", "+1 112 555 0147", "+1 012 555 0147", "+1212 555 0147",
                  "(212) 555-0147", "(112) 555-0147", "212-555-0147", "212.555.0147", "212-555.0147",
                  "+1 212 555 01470", "+1 212 555 014", "+1 ２１２ 555 0147", "+1 212 000 0000", "(999) 111-1111",
                  "+1 800 555 0199", "212 555 0147", "+1 (212) 555-0147", "+44 20 7946 0958", "+1 ٢١٢ 555 0147",
                  "090-1234-5678", "09012345678", "080-0000-0000", "070-1234-567", "060-1234-5678", "050-1234-5678",
                  "+81 90-1234-5678", "+819012345678", "+81 090-1234-5678", "+81 60-1234-5678", "+81 9012345678",
                  "+81 90-12345678", "０９０-1234-5678", "090-1234-56789",
                  "07911 123456", "+44 7911 123456", "+447911123456", "07911 12345", "08911 123456", "+44 07911 123456",
                  "06 12 34 56 78", "+33 6 12 34 56 78", "+33612345678", "0612345678", "05 12 34 56 78",
                  "06 12 34 56 789", "0171 1234567", "0151/12345678", "+49 171 12345678", "+4915112345678",
                  "0171 123456", "0171 123456789", "0141 1234567", "+49 0171 1234567"]

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    shapes = [lambda: f"+1 {digits(3)} {digits(3)} {digits(4)}", lambda: f"+1{digits(10)}",
              lambda: f"({digits(3)}) {digits(3)}-{digits(4)}", lambda: f"{digits(3)}-{digits(3)}-{digits(4)}",
              lambda: f"{digits(3)}.{digits(3)}.{digits(4)}", lambda: f"+{digits(rng.randint(9, 13))}",
              lambda: f"0{digits(2)}-{digits(4)}-{digits(4)}", lambda: f"0{digits(10)}",
              lambda: f"+81 {digits(2)}-{digits(4)}-{digits(4)}", lambda: f"+81{digits(10)}",
              lambda: f"0{rng.choice('789')}0-{digits(4)}-{digits(4)}", lambda: f"+81{rng.choice('789')}0{digits(8)}",
              lambda: f"0{digits(4)} {digits(6)}", lambda: f"07{digits(3)} {digits(rng.randint(5, 7))}",
              lambda: f"+44 7{digits(3)} {digits(6)}", lambda: f"+447{digits(rng.randint(8, 10))}",
              lambda: f"0{rng.choice('5678')} {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
              lambda: f"+33 {rng.choice('5678')} {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
              lambda: f"+33{rng.choice('67')}{digits(rng.randint(7, 9))}",
              lambda: f"01{rng.choice('4567')}{digits(1)}{rng.choice(' /')}{digits(rng.randint(6, 9))}",
              lambda: f"+49 1{rng.choice('4567')}{digits(1)} {digits(rng.randint(6, 9))}",
              lambda: f"+491{rng.choice('567')}{digits(rng.randint(8, 10))}"]
    return edge_cases + [rng.choice(shapes)() for _ in range(6000)]


def test_simple_phone_shapes_agree_with_libphonenumber():
    """normalize_phone's fast path for common shapes may only answer where libphonenumber gives the same."""
    from common.normalize import _libphonenumber_e164, _simple_e164

    values = _phone_samples()
    answered = [(value, region, got) for value in values for region in PHONE_REGIONS
                if (got := _simple_e164(value, region)) is not None]
    assert len(answered) > 3000  # the fast path does take the common shapes
    assert {got[:3] for _, _, got in answered} == {"+12", "+13", "+14", "+15", "+16", "+17", "+18", "+19", "+81",
                                                   "+44", "+33", "+49"}
    assert [(value, region, _libphonenumber_e164(value, region)) for value, region, _ in answered] == answered


def test_simple_phone_sql_agrees_with_the_python_fast_path():
    """The loaders' SQL fast path gives what normalize_phone gives, for every sample in every region (NULL: the
    Python path decides), placeholders included."""
    from common.normalize import simple_phone_sql

    pairs = [(value, region) for value in [*_phone_samples(), "222-222-2222", "+1 222 222 2222", "+1 123 456 7890",
                                           "(234) 567-8901", "  +1 212 555 0147"]
             for region in PHONE_REGIONS]
    con = duckdb.connect()
    samples = pd.DataFrame({"i": range(len(pairs)), "v": [v for v, _ in pairs], "r": [r for _, r in pairs]})
    con.register("t", samples)
    in_sql = [row[0] for row in con.execute(f"select {simple_phone_sql('v', 'r')} from t order by i").fetchall()]
    answered = [(value, region, got) for (value, region), got in zip(pairs, in_sql, strict=True) if got is not None]
    assert len(answered) > 3000
    assert [(value, region, normalize_phone(value, region)) for value, region, _ in answered] == answered


@pytest.mark.parametrize("hint", [None, "JP", "jp", "ja-JP", "en_GB", "fr-fr", "zh-Hant-TW", "XX", "en-XX", " JP",
                                  "", "Japan", "es-419", "de"])
def test_region_sql_agrees_with_region(hint):
    from common.normalize import phone_region, phone_region_sql

    in_sql = duckdb.connect().execute(f"select {phone_region_sql('h', 'US')} from (select ?::varchar as h)",
                                      [hint]).fetchall()[0][0]
    assert in_sql is None or in_sql == phone_region(hint, "US")
