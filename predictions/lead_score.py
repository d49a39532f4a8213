"""The predictive lead score step of a build: the probability that each lead (a person who became a lead and has not
bought) buys within the horizon, learned from the build's own history, written to predictions.lead_scores, and its
accuracy on a later holdout to predictions.model_performance.

The history is replayed at scoring days every `interval_days` back from as_of. On a scoring day d the leads are the
people who became a lead by d and had not bought by d; their features count only the buying signals of days up to d
(one DuckDB query for every scoring day); the label says whether they first bought in (d, d + horizon]. Only days
whose label window has ended by as_of are labelled.

Accuracy is checked on later data than the model learned from: the labelled scoring days of the last horizon are
held out and the model is fitted on the days whose label windows ended by the first of them, as if it had been
fitted then. The predictions come from a second fit on every labelled day, applied to the leads of as_of.

The model is a logistic regression on standardized log(1 + x) features: its probabilities are calibrated by
construction (its fit makes the predicted and actual conversions agree overall and along each feature) and a
lead's reasons are the features that raise its log-odds most above an average lead's (coefficient × standardized
value).

Too little data never fails the build: without labelled days, or too few conversions to learn from, nothing is
predicted and the reason is model_performance's `status` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from common.sql import sql_identifier
from predictions.performance import (
    SCHEMA,
    PerformanceRow,
    TooLittleData,
    ensure_performance_table,
    record_performance,
)

LEAD_SCORES = f"{SCHEMA}.lead_scores"
MODEL = "lead_score"
BECAME_LEAD, FIRST_PURCHASE = "became_lead", "first_purchase"
# Counts per kind of buying signal in two windows that do not overlap, so each coefficient reads on its own.
RECENT_DAYS, EARLIER_DAYS = 30, 90
# Fewer conversions than this in the rows a fit learns from give coefficients that are mostly noise.
MIN_CONVERSIONS = 20
DECILES = 10
FEATURE_ROWS = "lead_feature_rows"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {LEAD_SCORES} (
    customer_id varchar, as_of_date date, conversion_probability double, predictive_band varchar,
    predicted_reason_1 varchar, predicted_reason_2 varchar, predicted_reason_3 varchar
)
"""


@dataclass(frozen=True)
class LeadScoreOptions:
    horizon_days: int
    interval_days: int
    hot_min_probability: float
    warm_min_probability: float
    max_training_rows: int
    seed: int = 0  # which training rows a subsample keeps


@dataclass(frozen=True)
class LeadScoreSummary:
    leads_scored: int
    status: str  # "fitted", or why nothing was predicted
    horizon_days: int
    holdout_auc: float | None = None
    holdout_brier: float | None = None
    top_decile_lift: float | None = None  # the top decile's conversion rate / the holdout's

    def describe(self) -> str:
        if self.status != "fitted":
            return f"lead score: no predictions ({self.status})"
        accuracy = ("" if self.holdout_auc is None else
                    f"; on the held-out last {self.horizon_days} days AUC {self.holdout_auc:.2f}, Brier "
                    f"{self.holdout_brier:.3f}, top decile {self.top_decile_lift:.1f}× the base rate")
        return f"lead score: {self.leads_scored} leads scored{accuracy}"


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # a trigger kind, or "" for the features about the lead as a whole
    many: str  # how a reason shows the value, str.format with {n}; `one` for 1
    one: str
    # For 0; None: a value of 0 is never a reason. Not having done something (no click lately) may raise the
    # log-odds above an average lead's, but a salesperson asks what the lead did.
    none: str | None

    def reason(self, value: float) -> str:
        n = int(round(value))
        return (self.none if n == 0 else self.one if n == 1 else self.many).format(n=n)


def _signal_feature(name: str, kind: str, words: str, window: str) -> Feature:
    words = words.replace("{", "{{").replace("}", "}}")
    return Feature(name, kind, f"{words} {{n}} times {window}", f"{words} once {window}", None)


@dataclass(frozen=True)
class FittedModel:
    features: tuple[Feature, ...]
    model: LogisticRegression
    mean: np.ndarray  # of log1p(x) on the training rows
    scale: np.ndarray

    def standardized(self, matrix: np.ndarray) -> np.ndarray:
        return (np.log1p(matrix) - self.mean) / self.scale

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.standardized(matrix))[:, 1]

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Each feature's part of each row's log-odds above a training row with every feature at its mean."""
        return self.standardized(matrix) * self.model.coef_[0]


def scoring_days(first_day: date, as_of: date, interval_days: int) -> list[date]:
    """as_of and every interval_days before it, back to first_day, oldest first."""
    days, day = [], as_of
    while day >= first_day:
        days.append(day)
        day -= timedelta(days=interval_days)
    return days[::-1]


def features_of(con: duckdb.DuckDBPyConnection, events: str, as_of: date) -> tuple[Feature, ...]:
    """One feature per kind of buying signal and window, then days since the last signal, since becoming a lead,
    and all signals so far. Kinds come from the data (seed lead_score_rules), in alphabetical order."""
    kinds = con.execute(f"""
        select event_kind, min(event_words) from {events}
        where event_kind not in ('{BECAME_LEAD}', '{FIRST_PURCHASE}') and event_date <= ?
        group by event_kind order by event_kind
    """, [as_of]).fetchall()
    features = []
    for kind, words in kinds:
        words = words or kind.replace("_", " ")
        features += [_signal_feature(f"{kind}_last_{RECENT_DAYS}d", kind, words, f"in the last {RECENT_DAYS} days"),
                     _signal_feature(f"{kind}_{RECENT_DAYS + 1}_to_{EARLIER_DAYS}d", kind, words,
                                     f"{RECENT_DAYS + 1} to {EARLIER_DAYS} days ago")]
    return (*features,
            Feature("days_since_last_signal", "", "last buying signal (or becoming a lead) {n} days ago",
                    "last buying signal (or becoming a lead) yesterday",
                    "a buying signal (or becoming a lead) today"),
            Feature("days_as_lead", "", "a lead for {n} days", "a lead for 1 day", "became a lead today"),
            Feature("signals_so_far", "", "{n} buying signals so far", "1 buying signal so far",
                    "no buying signal so far"))


def build_feature_rows(con: duckdb.DuckDBPyConnection, events: str, days: list[date], features: tuple[Feature, ...],
                       horizon_days: int, as_of: date) -> None:
    """Temp table FEATURE_ROWS: one row per scoring day and lead of that day, the features from the events of days
    up to it, and `converted` (first purchase in (day, day + horizon]; NULL when that window ends after as_of). One
    set-based query; the steps after it read only the rows they need. 32-bit numbers: at a million people the table
    has tens of millions of rows."""
    kinds = [feature.kind for feature in features if feature.kind][::2]
    counts = ",\n".join(
        f"cast(count(*) filter (where s.event_kind = ${i + 3} and s.event_date > s.scoring_day - {RECENT_DAYS}) "
        f"as integer) as {sql_identifier(features[2 * i].name)},\n"
        f"cast(count(*) filter (where s.event_kind = ${i + 3} and s.event_date <= s.scoring_day - {RECENT_DAYS} "
        f"and s.event_date > s.scoring_day - {EARLIER_DAYS}) as integer) as {sql_identifier(features[2 * i + 1].name)}"
        for i in range(len(kinds)))
    con.execute(f"""
        create or replace temp table {FEATURE_ROWS} as
        with scoring_days as (select unnest($1::date[]) as scoring_day),
        events as (select customer_id, event_kind, event_date from {events} where event_date <= $2),
        people as (
            select customer_id,
                min(event_date) filter (where event_kind = '{BECAME_LEAD}') as became_lead,
                min(event_date) filter (where event_kind = '{FIRST_PURCHASE}') as first_purchase
            from events group by customer_id
        ),
        population as (
            select d.scoring_day, p.customer_id, p.became_lead, p.first_purchase
            from scoring_days d
            join people p on p.became_lead <= d.scoring_day
                and (p.first_purchase is null or p.first_purchase > d.scoring_day)
        ),
        signals as (
            select * from events where event_kind not in ('{BECAME_LEAD}', '{FIRST_PURCHASE}')
        ),
        -- each signal day of a person with the signals up to it: the last one at or before a scoring day answers
        -- "how many so far, the latest when" without joining every older signal
        signal_days as (
            select customer_id, event_date,
                sum(count(*)) over (partition by customer_id order by event_date) as signals_so_far
            from signals group by customer_id, event_date
        ),
        -- each signal with the scoring days whose window holds it (a range join on the few days, not a join of
        -- every lead-day with every signal of the lead); lead-days outside the population drop out below
        windowed as (
            select s.scoring_day, s.customer_id{"," if counts else ""}
                {counts}
            from (
                select d.scoring_day, signals.*
                from signals
                join scoring_days d on signals.event_date <= d.scoring_day
                    and signals.event_date > d.scoring_day - {EARLIER_DAYS}
            ) s
            group by s.scoring_day, s.customer_id
        ),
        history as (
            select p.scoring_day, p.customer_id, p.became_lead, p.first_purchase, sd.event_date as last_signal,
                coalesce(sd.signals_so_far, 0) as signals_so_far
            from population p
            asof left join signal_days sd on sd.customer_id = p.customer_id and p.scoring_day >= sd.event_date
        )
        select
            h.scoring_day, h.customer_id,
            {"".join(f"coalesce(w.{sql_identifier(f.name)}, 0) as {sql_identifier(f.name)}, "
                      for f in features if f.kind)}
            cast(h.scoring_day - coalesce(h.last_signal, h.became_lead) as integer) as days_since_last_signal,
            cast(h.scoring_day - h.became_lead as integer) as days_as_lead,
            cast(h.signals_so_far as integer) as signals_so_far,
            case
                when h.scoring_day + {horizon_days} > $2 then null
                else coalesce(h.first_purchase <= h.scoring_day + {horizon_days}, false)
            end as converted
        from history h
        left join windowed w on w.scoring_day = h.scoring_day and w.customer_id = h.customer_id
    """, [days, as_of, *kinds])


def fit(rows: pd.DataFrame, features: tuple[Feature, ...]) -> FittedModel:
    """The logistic regression on labelled rows."""
    labels = rows["converted"].to_numpy(dtype=bool)
    conversions = int(labels.sum())
    if conversions < MIN_CONVERSIONS:
        raise TooLittleData(f"{conversions} conversions to learn from, fewer than {MIN_CONVERSIONS}")
    if conversions == len(labels):
        raise TooLittleData("every lead to learn from converted: nothing tells converting leads apart")
    logged = np.log1p(rows[[f.name for f in features]].to_numpy(dtype=float))
    mean, scale = logged.mean(axis=0), logged.std(axis=0)
    scale[scale == 0] = 1.0  # a feature constant in training says nothing and gets a zero coefficient
    model = LogisticRegression(max_iter=1000).fit((logged - mean) / scale, labels)
    return FittedModel(features, model, mean, scale)


def reasons(fitted: FittedModel, matrix: np.ndarray, count: int = 3) -> np.ndarray:
    """Per row, the `count` features that raise its log-odds most above an average lead's, strongest first, in
    words; None after them when fewer raise it (or only by a zero never shown). An array of rows × count."""
    contributions = fitted.contributions(matrix)
    # A zero of a feature without words for it cannot be a reason: it goes last.
    silent = np.array([feature.none is None for feature in fitted.features])
    contributions = np.where(silent & (np.rint(matrix) == 0), -np.inf, contributions)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :count]
    rows = np.arange(len(matrix))[:, None]
    raises = contributions[rows, order] > 0
    # Few (feature, value) pairs recur across many leads: each is put in words once.
    shown = np.stack([order[raises], np.rint(matrix[rows, order][raises]).astype(np.int64)], axis=1)
    result = np.full((len(matrix), count), None, dtype=object)
    if len(shown):
        pairs, inverse = np.unique(shown, axis=0, return_inverse=True)
        words = np.array([fitted.features[j].reason(n) for j, n in pairs], dtype=object)
        top = np.full(order.shape, None, dtype=object)
        top[raises] = words[inverse.ravel()]
        result[:, :order.shape[1]] = top
    return result


def band(probability: np.ndarray, options: LeadScoreOptions) -> np.ndarray:
    return np.where(probability >= options.hot_min_probability, "hot",
                    np.where(probability >= options.warm_min_probability, "warm", "cold"))


def holdout_split(labelled_days: list[date], horizon_days: int) -> tuple[list[date], date]:
    """The held-out scoring days (the labelled ones of the last horizon) and the last day the check's fit may learn
    from: a day whose label window ends by the first held-out day, so the fit knows nothing of the held-out period."""
    last = max(labelled_days)
    held_out = [day for day in labelled_days if day > last - timedelta(days=horizon_days)]
    return held_out, min(held_out) - timedelta(days=horizon_days)


def holdout_check(training: pd.DataFrame, held_out: pd.DataFrame, features: tuple[Feature, ...],
                  options: LeadScoreOptions) -> tuple[list[PerformanceRow], float, float, float]:
    """Fit on the training rows, score the held-out ones, compare. Rows of model_performance, the AUC, the Brier
    score, the top decile's lift."""
    if training.empty:
        raise TooLittleData("no scoring day's label window ends before the held-out days")
    try:
        fitted = fit(training, features)
    except TooLittleData as exc:
        raise TooLittleData(f"before the held-out days, {exc}") from exc
    actual = held_out["converted"].to_numpy(dtype=bool)
    if actual.all() or not actual.any():
        raise TooLittleData("the held-out leads all converted or none did: no AUC")
    predicted = fitted.probability(held_out[[f.name for f in features]].to_numpy(dtype=float))
    auc, brier, base_rate = roc_auc_score(actual, predicted), brier_score_loss(actual, predicted), actual.mean()
    # Deciles of the predicted probability, 1 the lowest, a tenth of the rows each (ties split by row order).
    decile = np.minimum(np.argsort(np.argsort(predicted, kind="stable")) * DECILES // len(predicted), DECILES - 1) + 1
    top_rate = actual[decile == DECILES].mean()
    lift = top_rate / base_rate
    days = sorted(pd.Timestamp(d).date().isoformat() for d in held_out["scoring_day"].unique())
    rows: list[PerformanceRow] = [
        ("holdout_scoring_days", "all", float(len(days)), ", ".join(days)),
        ("holdout_leads", "all", float(len(actual)), "leads × held-out scoring days"),
        ("holdout_conversions", "all", float(actual.sum()), f"first purchases within {options.horizon_days} days"),
        ("holdout_auc", "all", float(auc), "area under the ROC curve: 0.5 is guessing, 1 a perfect ranking"),
        ("holdout_brier", "all", float(brier), "mean squared error of the probabilities (0 is perfect)"),
        ("holdout_base_rate", "all", float(base_rate), "share of held-out leads who converted"),
        ("holdout_top_decile_rate", "all", float(top_rate), "conversion rate of the 10% of leads scored highest"),
        ("holdout_top_decile_lift", "all", float(lift), "top decile's conversion rate / the base rate"),
    ]
    for d in range(1, DECILES + 1):
        chosen = decile == d
        segment = f"decile {d}"
        rows += [("reliability_leads", segment, float(chosen.sum()), "1 = lowest predicted probabilities"),
                 ("reliability_mean_predicted", segment, float(predicted[chosen].mean()), None),
                 ("reliability_actual_rate", segment, float(actual[chosen].mean()), None)]
    bands = band(predicted, options)
    for name in ("hot", "warm", "cold"):
        chosen = bands == name
        rows.append(("holdout_band_leads", name, float(chosen.sum()), None))
        if chosen.any():
            rows.append(("holdout_band_actual_rate", name, float(actual[chosen].mean()), None))
    return rows, float(auc), float(brier), float(lift)


def predict_lead_scores(con: duckdb.DuckDBPyConnection, events: str, as_of: date, build_id: str,
                        options: LeadScoreOptions) -> LeadScoreSummary:
    """Replace predictions.lead_scores with the leads of `as_of` scored from `events` (customer_id, event_kind,
    event_date, event_words: see int_predictions__lead_events_unioned) and add this build's rows to
    predictions.model_performance."""
    con.execute(DDL)
    ensure_performance_table(con)
    fitted_at = datetime.now(UTC)
    performance: list[PerformanceRow] = [("horizon_days", "all", float(options.horizon_days),
                                          f"scoring days every {options.interval_days} days back from as_of")]
    scored = pd.DataFrame()
    auc = brier = lift = None
    features = features_of(con, events, as_of)
    first_day = con.execute(f"select min(event_date) from {events} where event_kind = '{BECAME_LEAD}'").fetchone()[0]
    labelled_days: list[date] = []
    if first_day is not None:
        build_feature_rows(con, events, scoring_days(first_day, as_of, options.interval_days), features,
                           options.horizon_days, as_of)
        labelled_days = [row[0] for row in con.execute(
            f"select distinct scoring_day from {FEATURE_ROWS} where converted is not null order by 1").fetchall()]
    try:
        if not labelled_days:
            raise TooLittleData(f"no lead of a scoring day at least {options.horizon_days} days before as_of")
        training, detail = _training_rows(con, labelled_days[-1], options)
        fitted = fit(training, features)
        performance += [("training_rows", "all", float(len(training)), f"the predictions' fit: {detail}")]
        performance += [("coefficient", f.name, float(c), "log-odds per standard deviation of log(1 + value)")
                        for f, c in zip(features, fitted.model.coef_[0], strict=True)]
        scored = _score(con.execute(f"select * from {FEATURE_ROWS} where scoring_day = ? order by customer_id",
                                    [as_of]).df(), fitted, as_of, options)
        status = "fitted"
    except TooLittleData as exc:
        status = str(exc)
    if status == "fitted":
        held_out_days, last_training_day = holdout_split(labelled_days, options.horizon_days)
        held_out = con.execute(f"select * from {FEATURE_ROWS} where scoring_day in (select unnest(?::date[])) "
                               "order by scoring_day, customer_id", [held_out_days]).df()
        training, detail = _training_rows(con, last_training_day, options)
        try:
            holdout_rows, auc, brier, lift = holdout_check(training, held_out, features, options)
            performance += [("holdout_training_rows", "all", float(len(training)), f"the check's fit: {detail}"),
                            *holdout_rows]
        except TooLittleData as exc:
            performance.append(("holdout_status", "all", None, str(exc)))
    performance.append(("status", "all", None, status))
    con.execute(f"drop table if exists {FEATURE_ROWS}")
    con.execute(f"delete from {LEAD_SCORES}")
    if len(scored):
        con.register("scored_leads", scored)
        con.execute(f"insert into {LEAD_SCORES} by name select * from scored_leads")
        con.unregister("scored_leads")
    record_performance(con, MODEL, build_id, as_of, fitted_at, performance)
    return LeadScoreSummary(len(scored), status, options.horizon_days, auc, brier, lift)


def _training_rows(con: duckdb.DuckDBPyConnection, last_day: date, options: LeadScoreOptions,
                   ) -> tuple[pd.DataFrame, str]:
    """The labelled rows of scoring days up to last_day, at most max_training_rows of them: a sample by a hash of
    the lead and day (the same rows on the same data, whatever the thread count) keeps time and memory bounded.
    With a sentence saying which rows they are."""
    where = f"converted is not null and scoring_day <= '{last_day.isoformat()}'"
    available = con.execute(f"select count(*) from {FEATURE_ROWS} where {where}").fetchone()[0]
    rows = con.execute(f"""
        select * from {FEATURE_ROWS} where {where}
        order by hash(customer_id, scoring_day, {int(options.seed)}), customer_id, scoring_day
        limit {int(options.max_training_rows)}
    """).df()
    detail = f"leads × scoring days up to {last_day.isoformat()}"
    return rows, detail + (f", a sample of {len(rows)} of {available}" if available > len(rows) else "")


def _score(leads: pd.DataFrame, fitted: FittedModel, as_of: date, options: LeadScoreOptions) -> pd.DataFrame:
    matrix = leads[[f.name for f in fitted.features]].to_numpy(dtype=float)
    probability = fitted.probability(matrix)
    top = reasons(fitted, matrix)
    return pd.DataFrame({
        "customer_id": leads["customer_id"].to_numpy(), "as_of_date": as_of, "conversion_probability": probability,
        "predictive_band": band(probability, options), "predicted_reason_1": top[:, 0],
        "predicted_reason_2": top[:, 1], "predicted_reason_3": top[:, 2],
    })
