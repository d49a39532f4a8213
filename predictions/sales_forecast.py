"""The sales forecast step of a build: expected won revenue of the open pipeline, and a 12-month trend of revenue and
orders, each backtested against a seasonal naive forecast; predictions.sales_forecast and
predictions.model_performance (models `sales_pipeline_forecast` and `sales_trend_forecast`).

Pipeline. A win rate by (pipeline, stage, age bucket) is learned from the deals CLOSED by the cut-off: a deal counts
once in every (stage, age bucket) it was in at the end of some day — its age is the days since it was created — and
is a win when it ended won. Few deals say little, so counts are shrunk towards a prior of `prior_deals` pseudo-deals:
    stage rate  = (won in stage + k × seed probability) / (deals in stage + k)
    bucket rate = (won in bucket + k × stage rate) / (deals in bucket + k)
An open deal's expected won revenue is its amount × the rate of its stage and age; beside it, amount × the seed's
fixed probability. Intervals treat the deals as independent wins (variance Σ amount² × p × (1 − p), normal).
Backtest: at past month-ends (origins) whose open deals are mostly closed by as_of, rates learned only from deals
closed by the origin predict what the deals open at the origin ended up winning; the seasonal naive forecast of
that is what the deals open a year before the origin won.

Trend. Monthly revenue and completed orders (all, by the biggest countries, the rest as `other`), each month from
the series' first to the last complete one (the as-of month is incomplete and left out), months without orders 0.
ETS (statsmodels' ETSModel, Hyndman's state-space form) in a few forms — additive or multiplicative error, no or
damped trend, additive seasonality with two full years — chosen by AICc, forecasts 12 months with 80 % and 95 %
intervals. Backtest: the form chosen on the history before the first of the last origins, refitted at each,
horizons 1..h, sMAPE against the seasonal naive forecast (the value 12 months earlier). A series whose model does not
beat naive keeps its forecast, flagged (beats_seasonal_naive false): the page says so. Too short a history never
fails the build: a `status` row says why.

The aggregation over orders and deals runs in DuckDB; Python sees monthly series and per-(stage, age) counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from predictions.performance import SCHEMA, PerformanceRow, ensure_performance_table, record_performance
from predictions.tables import replace_rows

SALES_FORECAST = f"{SCHEMA}.sales_forecast"
PIPELINE_MODEL = "sales_pipeline_forecast"
TREND_MODEL = "sales_trend_forecast"
SEASON = 12
Z_80, Z_95 = 1.2815515655446004, 1.959963984540054  # standard normal quantiles 0.9 and 0.975
HORIZON_BUCKETS = ((1, 3), (4, 6), (7, 12), (13, 24))

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SALES_FORECAST} (
    as_of_date date, forecast_kind varchar, segment varchar, metric varchar, month date, row_kind varchar,
    currency varchar, value double, lower_80 double, upper_80 double, lower_95 double, upper_95 double,
    model varchar, beats_seasonal_naive boolean, backtest_smape double, naive_backtest_smape double
)
"""
COLUMNS = ["as_of_date", "forecast_kind", "segment", "metric", "month", "row_kind", "currency", "value", "lower_80",
           "upper_80", "lower_95", "upper_95", "model", "beats_seasonal_naive", "backtest_smape",
           "naive_backtest_smape"]


@dataclass(frozen=True)
class SalesForecastOptions:
    age_buckets: tuple[int, ...]  # the last day of age of each bucket but the open-ended last one, ascending
    prior_deals: float
    pipeline_backtest_origins: int
    pipeline_min_closed_share: float
    horizon_months: int
    trend_backtest_origins: int
    min_history_months: int
    country_revenue_share: float
    max_countries: int


@dataclass(frozen=True)
class SalesForecastSummary:
    pipeline_status: str  # "fitted", or why there is no pipeline forecast
    trend_status: str  # "fitted", or why there is no trend forecast of all revenue
    open_deals: int = 0
    expected_won_learned: float = 0.0
    expected_won_seed: float = 0.0
    pipeline_smape_learned: float | None = None
    pipeline_smape_seed: float | None = None
    pipeline_smape_naive: float | None = None
    trend_model: str | None = None
    trend_smape: float | None = None  # backtest sMAPE of the trend model, all revenue
    trend_naive_smape: float | None = None
    trend_beats_naive: bool | None = None
    series_forecast: int = 0

    def describe(self) -> str:
        if self.pipeline_status == "fitted":
            pipeline = (f"{self.open_deals} open deals expected to win {self.expected_won_learned:,.0f} (learned "
                        f"rates) vs {self.expected_won_seed:,.0f} (seed probabilities)")
            if self.pipeline_smape_learned is not None:
                pipeline += (f", backtest sMAPE {self.pipeline_smape_learned:.1%} learned / "
                             f"{self.pipeline_smape_seed:.1%} seed")
        else:
            pipeline = f"no pipeline forecast ({self.pipeline_status})"
        if self.trend_status != "fitted":
            trend = f"no trend forecast ({self.trend_status})"
        else:
            trend = f"{self.series_forecast} series forecast, revenue {self.trend_model}"
            if self.trend_smape is not None:
                verdict = "beats" if self.trend_beats_naive else "does not beat"
                trend += (f" backtest sMAPE {self.trend_smape:.1%} ({verdict} seasonal naive's "
                          f"{self.trend_naive_smape:.1%})")
        return f"sales forecast: {pipeline}; {trend}"


def forecast_sales(con: duckdb.DuckDBPyConnection, stage_outcomes: str, open_deals: str, monthly_orders: str,
                   as_of: date, build_id: str, options: SalesForecastOptions) -> SalesForecastSummary:
    """Replace predictions.sales_forecast with the forecasts at `as_of` and add this build's rows to
    predictions.model_performance. Inputs (table or view names): `stage_outcomes` as
    int_predictions__deal_stages_joined_to_outcomes, `open_deals` as int_predictions__deals_filtered_to_open,
    `monthly_orders` as int_predictions__orders_aggregated_by_month."""
    con.execute(DDL)
    ensure_performance_table(con)
    fitted_at = datetime.now(UTC)
    pipeline_rows, pipeline_performance, pipeline = pipeline_forecast(con, stage_outcomes, open_deals, as_of,
                                                                      options)
    trend_rows, trend_performance, trend = trend_forecast(con, monthly_orders, as_of, options)
    frame = pd.DataFrame(pipeline_rows + trend_rows, columns=COLUMNS[1:])
    frame.insert(0, "as_of_date", as_of)
    replace_rows(con, SALES_FORECAST, frame)
    record_performance(con, PIPELINE_MODEL, build_id, as_of, fitted_at, pipeline_performance)
    record_performance(con, TREND_MODEL, build_id, as_of, fitted_at, trend_performance)
    return SalesForecastSummary(**pipeline, **trend)


# --- errors ------------------------------------------------------------------------------------------------------

def smape(forecast, actual) -> float:
    """Mean of 2|F − A| / (|F| + |A|) (0 where both are 0): 0 is perfect, 2 the worst."""
    f, a = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    denominator = np.abs(f) + np.abs(a)
    terms = np.divide(2 * np.abs(f - a), denominator, out=np.zeros_like(denominator), where=denominator > 0)
    return float(terms.mean())


def mape(forecast, actual) -> float | None:
    """Mean of |F − A| / A over the actuals above 0 (None without one)."""
    f, a = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    positive = a > 0
    return float((np.abs(f - a)[positive] / a[positive]).mean()) if positive.any() else None


# --- pipeline ----------------------------------------------------------------------------------------------------

def age_bucket_labels(bounds: tuple[int, ...]) -> list[tuple[str, int, int | None]]:
    """(label, first day of age, last day or None) of each bucket: (30, 90) → 0-30, 31-90, 91+."""
    buckets, low = [], 0
    for high in bounds:
        buckets.append((f"{low}-{high}", low, high))
        low = high + 1
    buckets.append((f"{low}+", low, None))
    return buckets


def _buckets_sql(bounds: tuple[int, ...]) -> str:
    rows = ", ".join(f"('{label}', {low}, {'null' if high is None else high})"
                     for label, low, high in age_bucket_labels(bounds))
    return f"(values {rows}) as buckets(age_bucket, first_day, last_day)"


def win_rates(con: duckdb.DuckDBPyConnection, stage_outcomes: str, cutoff: date, bounds: tuple[int, ...],
              prior_deals: float) -> pd.DataFrame:
    """The learned win rates from the deals closed by `cutoff`: one row per (pipeline, stage, age_bucket) seen,
    with the counts, the stage's shrunk rate and the bucket's. A deal was in a stage at age a when it was in it at
    the end of the day created_date + a (entered_date <= that day < left_date, or its close)."""
    return con.execute(f"""
        with closed as (
            select *, coalesce(left_date, closed_date) as until_date
            from {stage_outcomes}
            where is_closed and closed_date <= ?::date
        ),
        stays as (
            select deal_id, pipeline, stage, stage_probability, is_won,
                   entered_date - created_date as first_age, until_date - created_date - 1 as last_age
            from closed
            where until_date > entered_date
        ),
        by_stage as (
            select pipeline, stage, any_value(stage_probability) as seed_probability,
                   count(distinct deal_id) as stage_deals,
                   count(distinct deal_id) filter (where is_won) as stage_won
            from stays group by pipeline, stage
        ),
        by_bucket as (
            select stays.pipeline, stays.stage, buckets.age_bucket, any_value(buckets.first_day) as first_day,
                   count(distinct stays.deal_id) as deals,
                   count(distinct stays.deal_id) filter (where stays.is_won) as won
            from stays
            inner join {_buckets_sql(bounds)}
                on stays.first_age <= coalesce(buckets.last_day, stays.first_age)
               and stays.last_age >= buckets.first_day
            group by all
        ),
        pipeline_rates as (
            select pipeline, count(distinct deal_id) filter (where is_won) / count(distinct deal_id) as pipeline_rate
            from closed group by pipeline
        ),
        rated as (
            select by_stage.*, coalesce(by_stage.seed_probability, pipeline_rates.pipeline_rate) as prior_rate,
                   (stage_won + ? * coalesce(by_stage.seed_probability, pipeline_rates.pipeline_rate))
                       / (stage_deals + ?) as stage_rate
            from by_stage inner join pipeline_rates using (pipeline)
        )
        select by_bucket.pipeline, by_bucket.stage, by_bucket.age_bucket, by_bucket.deals, by_bucket.won,
               rated.stage_deals, rated.stage_won, rated.seed_probability, rated.stage_rate,
               (by_bucket.won + ? * rated.stage_rate) / (by_bucket.deals + ?) as win_rate
        from by_bucket inner join rated using (pipeline, stage)
        order by by_bucket.pipeline, by_bucket.stage, by_bucket.first_day
    """, [cutoff, prior_deals, prior_deals, prior_deals, prior_deals]).df()


def _rated_deals(con, deals_sql: str, rates: pd.DataFrame, bounds: tuple[int, ...]) -> pd.DataFrame:
    """`deals_sql` (pipeline, stage, stage_probability, age, amount_reporting, …) with each deal's learned rate: its
    (stage, age bucket)'s, else its stage's, else the seed's probability (nothing learned about it yet)."""
    con.register("learned_win_rates", rates)
    try:
        return con.execute(f"""
            with deals as ({deals_sql}),
            bucketed as (
                select deals.*, buckets.age_bucket
                from deals
                left join {_buckets_sql(bounds)}
                    on deals.age >= buckets.first_day and deals.age <= coalesce(buckets.last_day, deals.age)
            ),
            stage_rates as (select distinct pipeline, stage, stage_rate from learned_win_rates)
            select bucketed.*,
                   coalesce(learned_win_rates.win_rate, stage_rates.stage_rate, bucketed.stage_probability, 0)
                       as learned_rate,
                   coalesce(bucketed.stage_probability, 0) as seed_rate
            from bucketed
            left join learned_win_rates using (pipeline, stage, age_bucket)
            left join stage_rates using (pipeline, stage)
        """).df()
    finally:
        con.unregister("learned_win_rates")


def _open_at_sql(stage_outcomes: str, origin: date) -> str:
    """The deals open at the end of `origin` (created by then, not closed by then), in the stage they were in then,
    with their age then and what they ended up as by as_of."""
    day = f"date '{origin.isoformat()}'"
    return f"""
        select deal_id, pipeline, stage, stage_probability, {day} - created_date as age,
               coalesce(amount_reporting, 0) as amount_reporting, is_closed, coalesce(is_won, false) as is_won
        from {stage_outcomes}
        where created_date <= {day} and entered_date <= {day}
          and coalesce(left_date, closed_date, date '9999-12-31') > {day}
          and not (is_closed and closed_date <= {day})
        qualify row_number() over (partition by deal_id order by entered_date desc, stage_entry_id desc) = 1
    """


def open_at(con, stage_outcomes: str, origin: date, rates: pd.DataFrame, bounds: tuple[int, ...]) -> pd.DataFrame:
    """The deals open at the end of `origin` with their learned (`rates`) and seed rates and their outcome."""
    return _rated_deals(con, _open_at_sql(stage_outcomes, origin), rates, bounds)


def expected_won(deals: pd.DataFrame, rate_column: str) -> tuple[float, float]:
    """(Σ amount × rate, its standard deviation with independent wins: √Σ amount² × rate × (1 − rate))."""
    amount, rate = deals["amount_reporting"].to_numpy(float), deals[rate_column].to_numpy(float)
    return float((amount * rate).sum()), float(np.sqrt((amount ** 2 * rate * (1 - rate)).sum()))


def _interval_row(kind: str, segment: str, metric: str, month: date, currency, value: float, sd: float, model: str,
                  beats, model_error, naive_error) -> tuple:
    return (kind, segment, metric, month, "forecast", currency, value, max(value - Z_80 * sd, 0.0), value + Z_80 * sd,
            max(value - Z_95 * sd, 0.0), value + Z_95 * sd, model, beats, model_error, naive_error)


def month_end(day: date, months_back: int) -> date:
    """The last day of the month `months_back` months before `day`'s."""
    return _add_months(day.replace(day=1), 1 - months_back) - timedelta(days=1)


def backtest_origins(as_of: date, count: int) -> list[date]:
    """Month-ends before as_of, newest first: every one of the last 3 × `count` months (the caller keeps those
    whose deals are mostly closed)."""
    return [month_end(as_of, i) for i in range(1, 3 * count + 1)]


def pipeline_forecast(con, stage_outcomes: str, open_deals: str, as_of: date, options: SalesForecastOptions
                      ) -> tuple[list[tuple], list[PerformanceRow], dict]:
    """The forecast rows, the performance rows and the summary's pipeline fields."""
    bounds, k = options.age_buckets, options.prior_deals
    rates = win_rates(con, stage_outcomes, as_of, bounds, k)
    performance: list[PerformanceRow] = [
        ("win_rate", f"{r.pipeline}:{r.stage}:{r.age_bucket}", float(r.win_rate),
         f"{r.won} won of {r.deals} closed deals; stage rate {r.stage_rate:.3f} ({r.stage_won} of "
         f"{r.stage_deals}); seed {r.seed_probability}") for r in rates.itertuples()]
    # A deal past its expected close month (or without one) is expected in the as-of month.
    day = f"date '{as_of.isoformat()}'"
    deals = _rated_deals(con, f"""
        select deal_id, pipeline, stage, stage_probability, {day} - created_date as age,
               coalesce(amount_reporting, 0) as amount_reporting, reporting_currency,
               cast(greatest(coalesce(expected_close_month, date_trunc('month', {day})), date_trunc('month', {day}))
                    as date) as close_month
        from {open_deals}
    """, rates, bounds)
    backtest, errors = _pipeline_backtest(con, stage_outcomes, as_of, options)
    performance += backtest
    if deals.empty:
        status = "no open deals at as_of"
        performance.append(("status", "all", None, status))
        return [], performance, {"pipeline_status": status, **errors}
    rows = []
    currency = deals["reporting_currency"].iloc[0]
    for segment, in_segment in [("all", deals), *deals.groupby("pipeline")]:
        for month, in_month in in_segment.groupby("close_month"):
            for metric, column, label, error in (("won_revenue_learned", "learned_rate", "learned win rates",
                                                   errors["pipeline_smape_learned"]),
                                                  ("won_revenue_seed", "seed_rate", "seed probabilities",
                                                   errors["pipeline_smape_seed"])):
                value, sd = expected_won(in_month, column)
                naive = errors["pipeline_smape_naive"]
                beats = None if error is None or naive is None else error < naive
                rows.append(_interval_row("pipeline", segment, metric, month, currency, value, sd, label, beats,
                                          error, naive))
    learned, _ = expected_won(deals, "learned_rate")
    seed, _ = expected_won(deals, "seed_rate")
    performance += [("open_deals", "all", float(len(deals)), None),
                    ("expected_won_learned", "all", learned, "Σ amount × learned win rate of the open deals"),
                    ("expected_won_seed", "all", seed, "Σ amount × seed probability of the open deals"),
                    ("status", "all", None, "fitted")]
    return rows, performance, {"pipeline_status": "fitted", "open_deals": len(deals),
                               "expected_won_learned": learned, "expected_won_seed": seed, **errors}


def _pipeline_backtest(con, stage_outcomes: str, as_of: date, options: SalesForecastOptions
                       ) -> tuple[list[PerformanceRow], dict]:
    """At the newest origins whose open deals are at least `pipeline_min_closed_share` closed by as_of: the won
    revenue predicted with the rates learned by the origin and with the seed probabilities, against the actual."""
    bounds, k = options.age_buckets, options.prior_deals
    performance: list[PerformanceRow] = []
    results: list[tuple[date, float, float, float, float | None]] = []
    for origin in backtest_origins(as_of, options.pipeline_backtest_origins):
        if len(results) == options.pipeline_backtest_origins:
            break
        deals = open_at(con, stage_outcomes, origin, win_rates(con, stage_outcomes, origin, bounds, k), bounds)
        if deals.empty or deals["is_closed"].mean() < options.pipeline_min_closed_share:
            continue
        actual = float(deals.loc[deals["is_won"], "amount_reporting"].sum())
        learned, _ = expected_won(deals, "learned_rate")
        seed, _ = expected_won(deals, "seed_rate")
        year_before = con.execute(f"select count(*), sum(amount_reporting) filter (where is_won) "
                                  f"from ({_open_at_sql(stage_outcomes, month_end(origin, SEASON))})").fetchone()
        naive = float(year_before[1] or 0) if year_before[0] else None
        results.append((origin, actual, learned, seed, naive))
        segment = f"origin {origin.isoformat()}"
        performance += [("pipeline_backtest_open_deals", segment, float(len(deals)),
                         f"{deals['is_closed'].mean():.0%} closed by as_of"),
                        ("pipeline_backtest_actual_won", segment, actual, None),
                        ("pipeline_backtest_predicted_learned", segment, learned, None),
                        ("pipeline_backtest_predicted_seed", segment, seed, None),
                        ("pipeline_backtest_predicted_seasonal_naive", segment, naive,
                         "won by the deals open 12 months before the origin")]
        for name, predicted in (("learned", learned), ("seed", seed), ("seasonal_naive", naive)):
            if predicted is not None:
                performance.append((f"pipeline_smape_{name}", segment, smape([predicted], [actual]), None))
                if actual > 0:
                    performance.append((f"pipeline_mape_{name}", segment, abs(predicted - actual) / actual, None))
    errors: dict = {"pipeline_smape_learned": None, "pipeline_smape_seed": None, "pipeline_smape_naive": None}
    if not results:
        performance.append(("pipeline_backtest_status", "all", None,
                            "no past month-end whose open deals are mostly closed by as_of"))
        return performance, errors
    # The three are compared on the same origins: those with a pipeline a year before, when there are any.
    compared = [r for r in results if r[4] is not None] or results
    actual = [r[1] for r in compared]
    for index, name in ((2, "learned"), (3, "seed"), (4, "seasonal_naive")):
        predicted = [r[index] for r in compared]
        if None in predicted:
            continue
        errors[f"pipeline_smape_{'naive' if name == 'seasonal_naive' else name}"] = value = smape(predicted, actual)
        performance.append((f"pipeline_smape_{name}", "all", value, f"mean over {len(compared)} origins"))
        overall_mape = mape(predicted, actual)
        if overall_mape is not None:
            performance.append((f"pipeline_mape_{name}", "all", overall_mape,
                                f"mean over those of the {len(compared)} origins whose deals won something"))
    performance.append(("pipeline_backtest_origins", "all", float(len(compared)),
                        f"of {len(results)} backtested: those with deals open a year before"
                        if len(compared) < len(results) else None))
    return performance, errors


# --- trend -------------------------------------------------------------------------------------------------------

def last_complete_month(as_of: date) -> date:
    """The first day of the last month complete at the end of as_of: as_of's own month only on its last day."""
    if (as_of + timedelta(days=1)).month != as_of.month:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_spine(first: date, last: date) -> list[date]:
    months, year, month = [], first.year, first.month
    while date(year, month, 1) <= last:
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_series(monthly: pd.DataFrame, last_month: date, share: float, max_countries: int
                   ) -> tuple[dict[tuple[str, str], pd.Series], list[str]]:
    """`monthly` (order_month, country_code, orders, revenue_reporting) → {(segment, metric): series on a month
    spine from the segment's first month to `last_month`, 0 where a month has no orders}, and the countries kept:
    the fewest biggest by revenue covering `share` of it (at most `max_countries`); the others are `other`."""
    monthly = monthly[monthly["order_month"] <= last_month].copy()
    if monthly.empty:
        return {}, []
    revenue = monthly.groupby("country_code")["revenue_reporting"].sum().sort_values(ascending=False)
    covered, kept = 0.0, []
    total = revenue.sum()
    for country, amount in revenue.items():
        if len(kept) == max_countries or (total > 0 and covered >= share * total):
            break
        kept.append(country)
        covered += amount
    monthly["segment"] = monthly["country_code"].where(monthly["country_code"].isin(kept), "other")
    frames = [monthly.assign(segment="all"), monthly]
    grouped = pd.concat(frames).groupby(["segment", "order_month"])[["revenue_reporting", "orders"]].sum()
    series = {}
    for segment in ["all", *kept, *(["other"] if (monthly["segment"] == "other").any() else [])]:
        values = grouped.loc[segment]
        spine = month_spine(min(values.index), last_month)
        for metric in ("revenue_reporting", "orders"):
            series[(segment, metric)] = values[metric].astype(float).reindex(spine, fill_value=0.0)
    return series, kept


def seasonal_naive(history, horizon: int) -> np.ndarray:
    """The value 12 months before each forecast month (the last value when the history is under 12 months)."""
    y = np.asarray(history, dtype=float)
    if len(y) < SEASON:
        return np.repeat(y[-1], horizon)
    return np.array([y[len(y) - SEASON + (h - 1) % SEASON] for h in range(1, horizon + 1)])


# An ETS form: (error, trend, seasonal), each "add", "mul" or None (trends are damped).
EtsSpec = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class EtsForecast:
    spec: EtsSpec
    mean: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray

    @property
    def form(self) -> str:
        """Hyndman's name of the form: ETS(error, trend, season), e.g. ETS(A,Ad,A)."""
        error, trend, seasonal = self.spec
        return f"ETS({error[0].upper()},{'Ad' if trend else 'N'},{'A' if seasonal else 'N'})"


def ets_forecast(history, horizon: int, intervals: bool = True, specs: list[EtsSpec] | None = None) -> EtsForecast:
    """The ETS form with the lowest AICc among `specs`, by default additive or (positive series) multiplicative
    error, no or damped additive trend, and additive seasonality when the history has two full years; its forecast
    `horizon` months ahead, never below 0 (revenue and orders are not negative). Raises ValueError when no form can
    be fitted."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.asarray(history, dtype=float))
    if specs is None:
        specs = [(error, trend, seasonal) for error in (["add", "mul"] if (y > 0).all() else ["add"])
                 for trend in (None, "add") for seasonal in ([None, "add"] if len(y) >= 2 * SEASON else [None])]
    # The heuristic initial states (from the first years; statsmodels needs 10 months, two full years with a
    # season) fit ~30× faster than estimating them, which the backtest's many refits need; every form of a series
    # starts the same way, so their AICc compare.
    heuristic = len(y) >= 10
    best = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # convergence chatter: a form that does not converge loses on AICc
        for error, trend, seasonal in specs:
            try:
                fit = ETSModel(y, error=error, trend=trend, damped_trend=trend is not None, seasonal=seasonal,
                               seasonal_periods=SEASON if seasonal else None,
                               initialization_method="heuristic" if heuristic else "estimated").fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0].aicc):
                best = (fit, (error, trend, seasonal))
        if best is None:
            raise ValueError("no ETS form could be fitted")
        fit, spec = best
        error, trend, seasonal = spec
        if not intervals:
            mean = np.asarray(fit.forecast(horizon), dtype=float)
            return EtsForecast(spec, np.maximum(mean, 0), *(np.full(horizon, np.nan),) * 4)
        # Multiplicative-error intervals are simulated: a fixed generator gives every build the same ones.
        prediction = fit.get_prediction(start=len(y), end=len(y) + horizon - 1, rng=np.random.default_rng(0))
        p95, p80 = prediction.summary_frame(alpha=0.05), prediction.summary_frame(alpha=0.2)
    # statsmodels' error variance is the maximum-likelihood SSE / n, which the fitted smoothing parameters and
    # initial states (counted here also when the heuristic set them) make too small on a few years of months: the
    # intervals are widened to SSE / (n − k), the unbiased estimate (without it 95 % intervals cover ~88 %).
    initial_states = (1 + (trend is not None) + (SEASON if seasonal else 0)) if heuristic else 0
    parameters = fit.df_model + initial_states
    widen = np.sqrt(len(y) / max(len(y) - parameters, 1))
    point = np.asarray(p95["mean"], dtype=float)

    def bound(column) -> np.ndarray:
        # never below 0: revenue and orders are not negative
        return np.maximum(point + widen * (np.asarray(column, dtype=float) - point), 0)

    if not np.all(np.isfinite(point)):
        raise ValueError("the fitted ETS form gives no finite forecast")
    return EtsForecast(spec, np.maximum(point, 0), bound(p80["pi_lower"]), bound(p80["pi_upper"]),
                       bound(p95["pi_lower"]), bound(p95["pi_upper"]))


def horizon_bucket(h: int) -> str:
    for low, high in HORIZON_BUCKETS:
        if low <= h <= high:
            return f"h{low}-{high}"
    return f"h{h}"


def trend_backtest(history, horizon: int, origins: int, min_history: int) -> pd.DataFrame:
    """Rolling origin: for each of the last `origins` months whose history before it has `min_history` months,
    fit on the months before, forecast `horizon` ahead and compare with the months that followed (as far as the
    series goes). One row per (origin, horizon): actual, ets, naive."""
    y = np.asarray(history, dtype=float)
    rows = []
    first = max(len(y) - origins, min_history)
    # The form is chosen once, by AICc on the history before the first origin, and refitted at every origin (as
    # many choices as origins would cost 8 × the fits); when it cannot be fitted at an origin (a multiplicative
    # error on a month of 0), the origin chooses its own.
    try:
        specs = [ets_forecast(y[:first], 1, intervals=False).spec] if first < len(y) else None
    except ValueError:
        specs = None
    for cut in range(first, len(y)):
        train = y[:cut]
        steps = min(horizon, len(y) - cut)
        naive = seasonal_naive(train, steps)
        try:
            try:
                ets = ets_forecast(train, steps, intervals=False, specs=specs).mean
            except ValueError:
                ets = ets_forecast(train, steps, intervals=False).mean
        except ValueError:
            continue
        rows += [(cut, h, y[cut + h - 1], ets[h - 1], naive[h - 1]) for h in range(1, steps + 1)]
    return pd.DataFrame(rows, columns=["origin", "horizon", "actual", "ets", "naive"])


def trend_forecast(con, monthly_orders: str, as_of: date, options: SalesForecastOptions
                   ) -> tuple[list[tuple], list[PerformanceRow], dict]:
    last_month = last_complete_month(as_of)
    monthly = con.execute(f"select * from {monthly_orders}").df()
    monthly["order_month"] = pd.to_datetime(monthly["order_month"]).dt.date
    currency = monthly["reporting_currency"].iloc[0] if len(monthly) else None
    series, kept = monthly_series(monthly, last_month, options.country_revenue_share, options.max_countries)
    performance: list[PerformanceRow] = [
        ("months_fitted_until", "all", None, f"{last_month.isoformat()}: the as-of month is incomplete, left out"),
        ("countries_kept", "all", float(len(kept)), ", ".join(kept) or None)]
    rows: list[tuple] = []
    summary: dict = {"trend_status": "no completed order before the as-of month"}
    for (segment, metric), values in series.items():
        name = f"{metric}:{segment}"
        money = currency if metric == "revenue_reporting" else None
        rows += [("trend", segment, metric, month, "actual", money, value, None, None, None, None, None, None, None,
                  None) for month, value in values.items()]
        if len(values) < options.min_history_months:
            status = (f"{len(values)} months of history, fewer than the {options.min_history_months} "
                      "a forecast needs")
            performance.append(("status", name, None, status))
            if (segment, metric) == ("all", "revenue_reporting"):
                summary = {"trend_status": status}
            continue
        try:
            forecast = ets_forecast(values.to_numpy(), options.horizon_months)
        except ValueError as exc:
            performance.append(("status", name, None, str(exc)))
            if (segment, metric) == ("all", "revenue_reporting"):
                summary = {"trend_status": str(exc)}
            continue
        backtest = trend_backtest(values.to_numpy(), options.horizon_months, options.trend_backtest_origins,
                                  options.min_history_months)
        model_error = naive_error = beats = None
        if len(backtest):
            model_error, naive_error = smape(backtest["ets"], backtest["actual"]), smape(backtest["naive"],
                                                                                          backtest["actual"])
            beats = model_error < naive_error
            performance += _backtest_rows(name, backtest)
            performance.append(("trend_beats_seasonal_naive", name, float(beats),
                                f"backtest sMAPE {model_error:.4f} vs seasonal naive {naive_error:.4f}"))
        else:
            performance.append(("trend_backtest_status", name, None, "too short a history for a backtest origin"))
        performance += [("status", name, None, "fitted"), ("trend_model_form", name, None, forecast.form),
                        ("trend_months_fitted", name, float(len(values)), None)]
        months = month_spine(_add_months(last_month, 1), _add_months(last_month, options.horizon_months))
        rows += [("trend", segment, metric, month, "forecast", money, float(forecast.mean[i]),
                  float(forecast.lower_80[i]), float(forecast.upper_80[i]), float(forecast.lower_95[i]),
                  float(forecast.upper_95[i]), forecast.form, beats, model_error, naive_error)
                 for i, month in enumerate(months)]
        if (segment, metric) == ("all", "revenue_reporting"):
            summary = {"trend_status": "fitted", "trend_model": forecast.form, "trend_smape": model_error,
                       "trend_naive_smape": naive_error, "trend_beats_naive": beats}
    summary["series_forecast"] = len({(r[1], r[2]) for r in rows if r[4] == "forecast"})
    return rows, performance, summary


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _backtest_rows(name: str, backtest: pd.DataFrame) -> list[PerformanceRow]:
    """sMAPE and MAPE of the model and of seasonal naive, over every horizon and by horizon bucket."""
    rows: list[PerformanceRow] = []
    backtest = backtest.assign(bucket=backtest["horizon"].map(horizon_bucket))
    for bucket, part in [("all", backtest), *backtest.groupby("bucket")]:
        segment = f"{name}:{bucket}"
        rows.append(("trend_backtest_forecasts", segment, float(len(part)),
                     f"{part['origin'].nunique()} origins"))
        for label, column in (("model", "ets"), ("seasonal_naive", "naive")):
            rows.append((f"trend_smape_{label}", segment, smape(part[column], part["actual"]), None))
            error = mape(part[column], part["actual"])
            if error is not None:
                rows.append((f"trend_mape_{label}", segment, error, "months with an actual above 0"))
    return rows
