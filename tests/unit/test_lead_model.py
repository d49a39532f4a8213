"""The predictive lead score on small hand-made histories: features see only the past, labels the horizon after the
scoring day, the fit recovers a known probability, reasons follow the contributions, too little data is a status."""

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from predictions.lead_score import (
    FEATURE_ROWS,
    Feature,
    FittedModel,
    LeadScoreOptions,
    build_feature_rows,
    features_of,
    holdout_check,
    holdout_split,
    predict_lead_scores,
    reasons,
)

OPTIONS = LeadScoreOptions(horizon_days=90, interval_days=30, hot_min_probability=0.3, warm_min_probability=0.1,
                           max_training_rows=100_000)


def _events(rows) -> duckdb.DuckDBPyConnection:
    """rows: (customer_id, event_kind, event_date); a signal's words are its kind's name."""
    con = duckdb.connect()
    con.execute("create table events (event_id varchar, customer_id varchar, event_kind varchar, event_date date, "
                "event_words varchar)")
    if rows:
        con.executemany("insert into events values (?, ?, ?, ?::date, ?)",
                        [(f"e{i}", customer, kind, day, None if kind in ("became_lead", "first_purchase") else kind)
                         for i, (customer, kind, day) in enumerate(rows)])
    return con


def _rows(con, days: list[str], as_of: str) -> pd.DataFrame:
    as_of_day = date.fromisoformat(as_of)
    features = features_of(con, "events", as_of_day)
    build_feature_rows(con, "events", [date.fromisoformat(d) for d in days], features, 90, as_of_day)
    frame = con.execute(f"select * from {FEATURE_ROWS} order by scoring_day, customer_id").df()
    frame["scoring_day"] = frame["scoring_day"].dt.date.astype(str)
    return frame.set_index(["scoring_day", "customer_id"])


def test_features_on_a_scoring_day_count_only_the_signals_up_to_it():
    con = _events([
        ("a", "became_lead", "2026-01-01"),
        ("a", "form", "2026-01-15"),  # 75 days before 03-31: in the 31-to-90-day window
        ("a", "form", "2026-03-10"), ("a", "form", "2026-03-20"),  # in the last 30 days
        ("a", "form", "2026-04-05"), ("a", "call", "2026-04-06"),  # after the scoring day: invisible on it
        ("a", "first_purchase", "2026-05-01"),
    ])
    row = _rows(con, ["2026-03-31"], as_of="2026-12-31").loc[("2026-03-31", "a")]
    assert row["form_last_30d"] == 2
    assert row["form_31_to_90d"] == 1
    assert row["call_last_30d"] == 0 and row["call_31_to_90d"] == 0
    assert row["signals_so_far"] == 3
    assert row["days_since_last_signal"] == 11  # 03-20 → 03-31
    assert row["days_as_lead"] == 89  # 01-01 → 03-31
    assert bool(row["converted"])  # 05-01 is 31 days after the scoring day


def test_the_label_is_a_first_purchase_in_the_horizon_after_the_scoring_day_and_buyers_are_not_leads():
    con = _events([
        *[(person, "became_lead", "2026-01-01") for person in ("on_day", "next_day", "last_day", "too_late", "never")],
        ("on_day", "first_purchase", "2026-03-31"),  # bought on the scoring day: no longer a lead
        ("next_day", "first_purchase", "2026-04-01"),  # day 1 of (03-31, 06-29]
        ("last_day", "first_purchase", "2026-06-29"),  # day 90
        ("too_late", "first_purchase", "2026-06-30"),  # day 91
        ("later_lead", "became_lead", "2026-04-01"),  # not a lead yet on 03-31
    ])
    rows = _rows(con, ["2026-03-31", "2026-10-02", "2026-10-15"], as_of="2026-12-31")
    on_march_31 = rows.loc["2026-03-31"]["converted"].astype(bool).to_dict()
    assert on_march_31 == {"next_day": True, "last_day": True, "too_late": False, "never": False}
    # 10-02 + 90 days is 12-31, the as-of day: labelled; 10-15's window ends after it: unknown yet.
    assert rows.loc["2026-10-02"]["converted"].tolist() == [False, False]  # later_lead and never
    assert rows.loc["2026-10-15"]["converted"].isna().all()


def test_on_a_known_logistic_probability_the_holdout_ranks_and_calibrates_like_the_truth():
    rng = np.random.default_rng(7)
    days = pd.date_range("2025-01-31", periods=15, freq="30D")
    per_day = 2_000
    x = rng.exponential(3.0, size=len(days) * per_day)
    true_p = 1 / (1 + np.exp(-(-3.0 + 1.4 * np.log1p(x))))
    rows = pd.DataFrame({"scoring_day": np.repeat(days, per_day), "customer_id": np.arange(len(x)).astype(str),
                         "x": x, "converted": rng.random(len(x)) < true_p})
    feature = Feature("x", "k", "{n} times", "once", None)
    held_out_days, last_training_day = holdout_split([d.date() for d in days], OPTIONS.horizon_days)
    # Of the 15 days 30 apart, the last 3 are the last 90 days'; a fit may learn from days whose 90-day label window
    # ends by the first of them: the 10 first (the 2 between are still open on it).
    assert held_out_days == [d.date() for d in days[12:]] and last_training_day == days[9].date()
    held_out = rows[rows["scoring_day"] >= days[12]]
    performance, auc, brier, lift = holdout_check(rows[rows["scoring_day"] <= days[9]], held_out, (feature,),
                                                  OPTIONS)
    true_auc = roc_auc_score(held_out["converted"], true_p[held_out.index])
    assert auc == pytest.approx(true_auc, abs=0.01)
    values = {(metric, segment): value for metric, segment, value, _ in performance}
    assert values[("holdout_leads", "all")] == 6_000
    for decile in range(1, 11):
        segment = f"decile {decile}"
        assert values[("reliability_leads", segment)] == 600
        assert values[("reliability_mean_predicted", segment)] == pytest.approx(
            values[("reliability_actual_rate", segment)], abs=0.05)
    assert lift > 1 and 0 < brier < 0.25


def test_reasons_are_the_largest_positive_contributions_in_order():
    features = (*(Feature(f"f{i}", "", f"f{i} {{n}} times", f"f{i} once", f"f{i} none") for i in range(1, 5)),
                Feature("quiet", "k", "quiet {n} times", "quiet once", None))  # a zero of it is never a reason
    model = LogisticRegression()
    model.coef_, model.intercept_ = np.array([[0.5, 3.0, -1.0, 2.0, -4.0]]), np.zeros(1)
    # log(1 + x) centred on 0 for f1–f4, on 1 for quiet: quiet's 0 lies 1 below it, raising the log-odds by 4.
    fitted = FittedModel(features, model, mean=np.array([0, 0, 0, 0, 1.0]), scale=np.ones(5))
    matrix = np.array([[3, 0, 5, 1, 0],   # 0.5 ln 4 = 0.69, 0, −ln 6 < 0, 2 ln 2 = 1.39, (4, unsaid): f4, f1
                       [1, 2, 0, 3, 0],   # 0.5 ln 2 = 0.35, 3 ln 3 = 3.30, 0, 2 ln 4 = 2.77, (4): f2, f4, f1
                       [0, 0, 0, 0, 9]])  # all 0, quiet −4 × (ln 10 − 1) < 0: nothing raises it
    assert reasons(fitted, matrix).tolist() == [["f4 once", "f1 3 times", None],
                                                ["f2 2 times", "f4 3 times", "f1 once"],
                                                [None, None, None]]
    # Asked for more reasons than there are features: the rest stay empty.
    assert reasons(fitted, matrix[:1], count=7).tolist() == [["f4 once", "f1 3 times"] + [None] * 5]
    assert features[1].reason(0) == "f2 none"


@pytest.mark.parametrize("rows, why", [
    ([], "no lead of a scoring day"),
    ([("a", "became_lead", "2026-01-01"), ("b", "became_lead", "2026-01-01"), ("a", "first_purchase", "2026-02-01")],
     "1 conversions to learn from"),
])
def test_too_little_data_writes_a_status_and_no_prediction(rows, why):
    con = _events(rows)
    summary = predict_lead_scores(con, "events", date(2026, 12, 31), "build-1", OPTIONS)
    assert summary.status != "fitted" and why in summary.status and summary.leads_scored == 0
    assert con.execute("select count(*) from predictions.lead_scores").fetchone()[0] == 0
    status = con.execute("select detail from predictions.model_performance where model = 'lead_score' "
                         "and metric = 'status'").fetchall()
    assert status == [(summary.status,)]


def test_the_leads_of_the_as_of_day_are_scored_with_bands_and_reasons():
    """Made-up histories where a web form makes a purchase likelier: every lead of the as-of day (and no buyer) gets
    a probability, the band its cut-offs give it, and reasons in words."""
    rng = np.random.default_rng(3)
    as_of, rows = date(2026, 12, 31), []
    for person in range(1_500):
        lead_day = pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
        rows.append((f"p{person}", "became_lead", lead_day.date().isoformat()))
        forms = int(rng.poisson(1.0))
        for _ in range(forms):
            rows.append((f"p{person}", "form", (lead_day + pd.Timedelta(days=int(rng.integers(0, 20)))).date()
                         .isoformat()))
        if rng.random() < 0.05 + 0.25 * min(forms, 2):
            rows.append((f"p{person}", "first_purchase",
                         (lead_day + pd.Timedelta(days=int(rng.integers(20, 60)))).date().isoformat()))
    con = _events(rows)
    summary = predict_lead_scores(con, "events", as_of, "build-1", OPTIONS)
    frame = pd.DataFrame(rows, columns=["customer_id", "kind", "day"])
    bought = set(frame[(frame["kind"] == "first_purchase") & (frame["day"] <= as_of.isoformat())]["customer_id"])
    leads = set(frame[frame["kind"] == "became_lead"]["customer_id"]) - bought
    scores = con.execute("select * from predictions.lead_scores").df()
    assert summary.status == "fitted" and summary.leads_scored == len(leads) == len(scores)
    assert set(scores["customer_id"]) == leads
    assert scores["conversion_probability"].between(0, 1).all()
    p = scores["conversion_probability"]
    expected_band = np.where(p >= 0.3, "hot", np.where(p >= 0.1, "warm", "cold"))
    assert (scores["predictive_band"] == expected_band).all()
    assert summary.holdout_auc > 0.6  # forms do predict purchases here
    with_forms = scores[scores["predicted_reason_1"].fillna("").str.startswith("form ")]
    assert len(with_forms) > 0


def test_the_fit_learns_from_at_most_the_configured_rows():
    rows = [(f"p{i}", "became_lead", "2026-01-01") for i in range(300)]
    rows += [(f"p{i}", "form", "2026-01-02") for i in range(0, 300, 2)]
    rows += [(f"p{i}", "first_purchase", "2026-03-01") for i in range(0, 300, 2)]  # the 150 with a form
    rows += [(f"p{i}", "first_purchase", "2026-03-01") for i in range(1, 80, 2)]  # 40 of the 150 without
    con = _events(rows)
    options = LeadScoreOptions(horizon_days=90, interval_days=30, hot_min_probability=0.3, warm_min_probability=0.1,
                               max_training_rows=250)
    predict_lead_scores(con, "events", date(2026, 12, 31), "build-1", options)
    detail = dict(con.execute("select metric, detail from predictions.model_performance "
                              "where segment = 'all' and metric in ('training_rows', 'status')").fetchall())
    assert detail["status"] == "fitted"
    # Scoring days 12-31 back to 01-05 (every 30 days): the 10 labelled ones (up to 10-02) hold 300 leads on 01-05
    # and 02-04, then 110 on each of the 8 after 03-01 (190 bought that day): 1,480 rows, far more than 250.
    training = con.execute("select value from predictions.model_performance where metric = 'training_rows'").fetchone()
    assert training == (250,) and "a sample of 250 of 1480" in detail["training_rows"]
