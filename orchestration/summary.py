"""The closing summary of `crm run`: step times, main table sizes and headline KPIs from the published file."""

from __future__ import annotations

import click
import duckdb

from common.settings import Settings

MAIN_TABLES = ("marts.dim_customers", "marts.fct_customer_timeline", "marts.fct_interactions", "marts.fct_orders",
               "marts.mart_executive_kpis_daily")


def print_summary(settings: Settings, steps: list[tuple[str, float]], peak_memory_mb: float) -> None:
    con = duckdb.connect(str(settings.serving_db), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in MAIN_TABLES}
        kpis = con.execute(
            """select sum(new_leads), sum(new_customers), sum(orders_completed), sum(revenue_reporting),
                      any_value(reporting_currency),
                      100.0 * (sum(nps_promoters) - sum(nps_detractors)) / nullif(sum(nps_responses), 0)
               from marts.mart_executive_kpis_daily"""
        ).fetchall()[0]
        paying = con.execute("select count(*) from marts.dim_customers where is_paying_customer").fetchall()[0][0]
    finally:
        con.close()
    click.echo("")
    click.secho("Customer-360 warehouse built and published", bold=True)
    click.echo("  steps: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in steps)
               + f"; total {sum(s for _, s in steps):.1f} s; peak memory {peak_memory_mb:.0f} MB")
    for table, n in counts.items():
        click.echo(f"  {table:<34} {n:>12,} rows")
    leads, new_customers, orders, revenue, currency, nps = kpis
    nps_text = f"{nps:+.0f}" if nps is not None else "–"
    click.echo(f"  leads {leads or 0:,} · paying customers {paying:,} (new {new_customers or 0:,}) · "
               f"orders {orders or 0:,} · revenue {revenue or 0:,.0f} {currency} · NPS {nps_text}")
    click.echo(f"  serving file: {settings.serving_db}")
    click.echo(f"  dashboard:    .venv/bin/crm dashboard   → http://127.0.0.1:{settings.dashboard_port}")
    click.echo(f"  Dagster UI:   .venv/bin/crm dagster     → http://127.0.0.1:{settings.dagster_port}")
