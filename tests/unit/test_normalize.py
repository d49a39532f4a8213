import pytest

from ingestion.normalize import nfkc, normalize_email, normalize_name, normalize_phone


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
