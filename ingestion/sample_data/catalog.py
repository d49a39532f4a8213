"""Static business catalogue: products and prices, web pages, user agents, industries, job titles."""

from __future__ import annotations

from types import MappingProxyType

# sku, product_id, name, price in minor units per currency (JPY has no minor unit), cart weight
PRODUCTS: tuple[tuple[str, str, str, dict[str, int], float], ...] = (
    (
        "ACME-STARTER",
        "prod_01",
        "Acme Analytics Starter (annual)",
        {"USD": 29000, "EUR": 26900, "GBP": 23900, "JPY": 43000},
        0.22,
    ),
    (
        "ACME-PRO",
        "prod_02",
        "Acme Analytics Pro (annual)",
        {"USD": 99000, "EUR": 91900, "GBP": 79900, "JPY": 148000},
        0.12,
    ),
    (
        "ACME-SEAT",
        "prod_03",
        "Additional seat (annual)",
        {"USD": 12000, "EUR": 11000, "GBP": 9500, "JPY": 18000},
        0.18,
    ),
    (
        "ACME-CONN",
        "prod_04",
        "Connector pack",
        {"USD": 19000, "EUR": 17500, "GBP": 14900, "JPY": 28000},
        0.12,
    ),
    (
        "ACME-TRAIN",
        "prod_05",
        "Online training course",
        {"USD": 39000, "EUR": 35900, "GBP": 29900, "JPY": 58000},
        0.08,
    ),
    (
        "ACME-TMPL",
        "prod_06",
        "Report template bundle",
        {"USD": 4900, "EUR": 4500, "GBP": 3900, "JPY": 7400},
        0.14,
    ),
    (
        "ACME-SUPP",
        "prod_07",
        "Premium support (annual)",
        {"USD": 45000, "EUR": 41500, "GBP": 34900, "JPY": 68000},
        0.06,
    ),
    (
        "ACME-STOR",
        "prod_08",
        "Extra storage 1 TB (annual)",
        {"USD": 9900, "EUR": 8900, "GBP": 7900, "JPY": 14800},
        0.08,
    ),
)
CURRENCY_DECIMALS = MappingProxyType({"JPY": 0, "USD": 2, "EUR": 2, "GBP": 2})
# minor units per USD minor unit, for deal sizes expressed in USD cents
FX_FROM_USD_MINOR = MappingProxyType({"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 1.5})
# Sales-led (invoiced) orders: bounds in minor units, JPY stays within ~5,000-500,000
SALES_ORDER_BOUNDS = MappingProxyType(
    {"USD": (60000, 330000), "EUR": (55000, 305000), "GBP": (48000, 260000), "JPY": (90000, 500000)}
)
WEB_ORDER_MAX = MappingProxyType({"USD": 330000, "EUR": 305000, "GBP": 260000, "JPY": 500000})

# path, English title, Japanese title, browsing weight
PAGES: tuple[tuple[str, str, str, float], ...] = (
    (
        "/",
        "Acme Analytics - Dashboards for every team",
        "Acme Analytics | すべてのチームにダッシュボードを",
        0.18,
    ),
    ("/pricing", "Pricing - Acme Analytics", "料金プラン | Acme Analytics", 0.14),
    ("/product/dashboards", "Dashboards - Acme Analytics", "ダッシュボード | Acme Analytics", 0.09),
    ("/product/connectors", "Connectors - Acme Analytics", "データ連携 | Acme Analytics", 0.06),
    ("/product/ai-insights", "AI Insights - Acme Analytics", "AIインサイト | Acme Analytics", 0.05),
    ("/customers", "Customer stories - Acme Analytics", "導入事例 | Acme Analytics", 0.06),
    (
        "/blog/customer-360-guide",
        "A practical guide to customer 360 - Acme Blog",
        "顧客360度分析の実践ガイド | Acme Blog",
        0.07,
    ),
    (
        "/blog/nps-benchmarks",
        "NPS benchmarks by industry - Acme Blog",
        "業界別NPSベンチマーク | Acme Blog",
        0.05,
    ),
    (
        "/blog/cohort-analysis",
        "Cohort analysis in 10 minutes - Acme Blog",
        "10分でわかるコホート分析 | Acme Blog",
        0.05,
    ),
    ("/docs/getting-started", "Getting started - Acme Docs", "はじめに | Acme Docs", 0.07),
    ("/webinars", "Webinars - Acme Analytics", "ウェビナー | Acme Analytics", 0.04),
    ("/contact", "Contact sales - Acme Analytics", "お問い合わせ | Acme Analytics", 0.05),
    ("/demo", "Book a demo - Acme Analytics", "デモのお申し込み | Acme Analytics", 0.04),
    ("/signup", "Start your free trial - Acme Analytics", "無料トライアル | Acme Analytics", 0.05),
)
CART_PAGE = ("/cart", "Your cart - Acme Analytics", "カート | Acme Analytics")
CHECKOUT_PAGE = ("/checkout", "Checkout - Acme Analytics", "ご購入手続き | Acme Analytics")
THANKS_PAGE = (
    "/checkout/complete",
    "Thank you for your order - Acme Analytics",
    "ご注文ありがとうございます | Acme Analytics",
)
FORM_PAGES = ("/contact", "/demo", "/signup", "/webinars")
FORM_IDS = MappingProxyType(
    {
        "/contact": "contact-sales",
        "/demo": "demo-request",
        "/signup": "trial-signup",
        "/webinars": "webinar-registration",
    }
)

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
)
USER_AGENT_WEIGHTS = (0.24, 0.1, 0.1, 0.12, 0.06, 0.17, 0.07, 0.06, 0.04, 0.04)
# first octets of public IPv4 space, per country (loosely plausible)
IP_FIRST_OCTETS = MappingProxyType(
    {
        "JP": (60, 61, 106, 110, 114, 118, 126, 133, 153, 180, 202, 210, 219, 220),
        "US": (23, 24, 50, 66, 67, 68, 71, 73, 75, 76, 96, 98, 99, 104, 107, 108, 173, 174),
        "GB": (2, 5, 31, 51, 81, 82, 86, 90, 92, 109, 151, 212),
        "DE": (5, 31, 37, 46, 77, 78, 79, 80, 84, 87, 88, 91, 93, 178, 217),
        "FR": (2, 5, 37, 78, 80, 82, 83, 86, 88, 90, 92, 109, 176, 212),
    }
)

REFERRERS = MappingProxyType(
    {
        "organic_search": ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/"),
        "organic_search_jp": (
            "https://www.google.co.jp/",
            "https://search.yahoo.co.jp/",
            "https://www.bing.com/",
        ),
        "social": (
            "https://www.linkedin.com/",
            "https://t.co/",
            "https://www.facebook.com/",
            "https://l.instagram.com/",
        ),
        "referral": (
            "https://www.g2.com/",
            "https://www.capterra.com/",
            "https://medium.com/",
            "https://news.ycombinator.com/",
        ),
        "referral_jp": (
            "https://qiita.com/",
            "https://zenn.dev/",
            "https://www.itmedia.co.jp/",
            "https://note.com/",
        ),
        "paid_search": ("https://www.google.com/",),
        "paid_search_jp": ("https://www.google.co.jp/", "https://search.yahoo.co.jp/"),
    }
)
SEARCH_TERMS = MappingProxyType(
    {
        "en": (
            "customer analytics software",
            "bi dashboard tool",
            "customer 360 platform",
            "nps dashboard",
            "cohort analysis tool",
            "acme analytics",
            "marketing attribution software",
            "churn prediction",
        ),
        "ja": (
            "顧客分析 ツール",
            "BIツール 比較",
            "ダッシュボード 作成",
            "NPS 分析",
            "acme analytics",
            "顧客データ 統合",
            "コホート分析",
        ),
        "de": (
            "kundenanalyse software",
            "bi dashboard",
            "acme analytics",
            "nps auswertung",
            "kohortenanalyse",
        ),
        "fr": (
            "logiciel analyse client",
            "tableau de bord bi",
            "acme analytics",
            "analyse nps",
            "analyse de cohortes",
        ),
    }
)

INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("Software", "ソフトウェア"),
    ("Retail", "小売"),
    ("Manufacturing", "製造"),
    ("Financial Services", "金融"),
    ("Healthcare", "医療"),
    ("Logistics", "物流"),
    ("Media", "メディア"),
    ("Education", "教育"),
    ("Professional Services", "専門サービス"),
    ("Telecommunications", "通信"),
    ("Energy", "エネルギー"),
    ("Hospitality", "ホスピタリティ"),
)

JOB_TITLES = MappingProxyType(
    {
        "en": (
            "Data Analyst",
            "Senior Data Analyst",
            "Head of Marketing",
            "Marketing Manager",
            "CTO",
            "CFO",
            "VP Sales",
            "Sales Operations Manager",
            "BI Developer",
            "Product Manager",
            "Data Engineer",
            "Customer Success Manager",
            "Head of Analytics",
            "CEO",
            "IT Manager",
            "Growth Marketer",
        ),
        "ja": (
            "データアナリスト",
            "マーケティング部長",
            "営業部長",
            "情報システム部 課長",
            "代表取締役",
            "経営企画室 主任",
            "マーケティング担当",
            "営業企画 課長",
            "データエンジニア",
            "カスタマーサクセス",
            "取締役",
            "事業部長",
            "システム担当",
        ),
        "de": (
            "Datenanalyst",
            "Leiter Marketing",
            "Geschäftsführer",
            "Vertriebsleiter",
            "BI-Entwickler",
            "Produktmanagerin",
            "IT-Leiter",
            "Marketing Manager",
            "Data Engineer",
            "Controller",
        ),
        "fr": (
            "Analyste de données",
            "Directeur marketing",
            "Directrice commerciale",
            "Responsable BI",
            "Chef de produit",
            "DSI",
            "Directeur général",
            "Chargée de marketing",
            "Data engineer",
            "Contrôleur de gestion",
        ),
    }
)

# Personal mail providers per locale, with weights
PERSONAL_DOMAINS = MappingProxyType(
    {
        "ja_JP": (
            ("gmail.com", 0.34),
            ("yahoo.co.jp", 0.26),
            ("docomo.ne.jp", 0.12),
            ("ezweb.ne.jp", 0.07),
            ("softbank.ne.jp", 0.06),
            ("icloud.com", 0.1),
            ("outlook.jp", 0.05),
        ),
        "en_US": (
            ("gmail.com", 0.48),
            ("yahoo.com", 0.15),
            ("outlook.com", 0.12),
            ("hotmail.com", 0.08),
            ("icloud.com", 0.12),
            ("aol.com", 0.05),
        ),
        "en_GB": (
            ("gmail.com", 0.42),
            ("outlook.com", 0.14),
            ("hotmail.co.uk", 0.14),
            ("btinternet.com", 0.1),
            ("yahoo.co.uk", 0.1),
            ("icloud.com", 0.1),
        ),
        "de_DE": (
            ("gmx.de", 0.26),
            ("web.de", 0.24),
            ("gmail.com", 0.28),
            ("t-online.de", 0.12),
            ("outlook.de", 0.1),
        ),
        "fr_FR": (
            ("orange.fr", 0.22),
            ("gmail.com", 0.38),
            ("free.fr", 0.14),
            ("laposte.net", 0.1),
            ("sfr.fr", 0.08),
            ("hotmail.fr", 0.08),
        ),
    }
)
COMPANY_TLD = MappingProxyType({"JP": ".co.jp", "US": ".com", "GB": ".co.uk", "DE": ".de", "FR": ".fr"})

# Japanese company name parts: (kanji, romanized) industry words
JP_COMPANY_WORDS: tuple[tuple[str, str], ...] = (
    ("水産", "suisan"),
    ("建設", "kensetsu"),
    ("食品", "foods"),
    ("印刷", "insatsu"),
    ("電気", "denki"),
    ("情報", "joho"),
    ("通信", "tsushin"),
    ("運輸", "unyu"),
    ("商事", "shoji"),
    ("産業", "sangyo"),
    ("工業", "kogyo"),
    ("物産", "bussan"),
    ("製作所", "seisakusho"),
    ("化学", "kagaku"),
    ("電機", "denki"),
    ("システムズ", "systems"),
    ("ソリューションズ", "solutions"),
    ("ホールディングス", "hd"),
    ("不動産", "fudosan"),
    ("精機", "seiki"),
    ("薬品", "yakuhin"),
    ("興業", "kogyo"),
    ("テクノロジー", "tech"),
    ("物流", "logistics"),
)
JP_COMPANY_FORMS: tuple[str, ...] = ("株式会社{name}", "{name}株式会社", "有限会社{name}", "合同会社{name}")
COMPANY_SUFFIXES = MappingProxyType(
    {
        "US": ("", " Inc.", " LLC", " Group", " Labs", " Partners", " Corp."),
        "GB": ("", " Ltd", " plc", " Group", " & Co", " Partners"),
        "DE": ("", " GmbH", " AG", " GmbH & Co. KG", " Gruppe", " SE"),
        "FR": ("", " SAS", " SA", " SARL", " Groupe", " & Associés"),
    }
)

# Every path of the site (browsing pages, then cart, checkout, thank-you); events refer to them by index.
SITE_PATHS: tuple[str, ...] = tuple(p[0] for p in PAGES) + (CART_PAGE[0], CHECKOUT_PAGE[0], THANKS_PAGE[0])
SITE_TITLES_EN: tuple[str, ...] = tuple(p[1] for p in PAGES) + (
    CART_PAGE[1],
    CHECKOUT_PAGE[1],
    THANKS_PAGE[1],
)
SITE_TITLES_JA: tuple[str, ...] = tuple(p[2] for p in PAGES) + (
    CART_PAGE[2],
    CHECKOUT_PAGE[2],
    THANKS_PAGE[2],
)
PATH_CODE = MappingProxyType({p: i for i, p in enumerate(SITE_PATHS)})
UTM_CONTENTS: tuple[str, ...] = ("cta-button", "header-link", "ad-1", "ad-2", "ad-3")
