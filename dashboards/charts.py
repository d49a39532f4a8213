"""Charts of periods, drawn the same way on every page: time runs along an axis of the periods' names as the reader's
language writes them (Plotly's own date ticks are English), and a period still in progress is marked — its name
says so, a line reaches it dashed, its bar or cell is pale — so a month that has just begun never reads as a drop.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

IN_PROGRESS_DASH = "dot"
IN_PROGRESS_OPACITY = 0.4
IN_PROGRESS_CELL = "#e6e6e6"  # a heat map cell in progress: one light grey whatever its value, its value written in
_STATUS = "_period_status"  # the line charts' helper column: "complete" or "in_progress"


def period_lines(frame: pd.DataFrame, *, x: str, y: str, in_progress: str, series: str | None = None,
                 facet_row: str | None = None, labels: dict[str, str] | None = None,
                 period_axis: bool = True) -> go.Figure:
    """A line per `series` over `x` (in order), solid through complete periods and dotted from the last complete
    one to those in progress (`in_progress`: a boolean column). `x` holds the periods' names (see
    ui.period_label) unless `period_axis` is False (e.g. months since a first order)."""
    parts = []
    groups = frame.groupby(series, sort=False) if series else [(None, frame)]
    for _, group in groups:
        ongoing = group[group[in_progress].astype(bool)]
        complete = group[~group[in_progress].astype(bool)]
        parts.append(complete.assign(**{_STATUS: "complete"}))
        if len(ongoing):
            # The dotted part starts at the last complete point, so the line stays one line.
            parts.append(pd.concat([complete.tail(1), ongoing]).assign(**{_STATUS: "in_progress"}))
    rows = pd.concat(parts, ignore_index=True)
    figure = px.line(rows, x=x, y=y, color=series, line_dash=_STATUS, facet_row=facet_row, markers=True,
                     line_dash_map={"complete": "solid", "in_progress": IN_PROGRESS_DASH},
                     category_orders={x: list(dict.fromkeys(frame[x]))} if period_axis else {},
                     hover_data={_STATUS: False}, labels=labels or {})
    for trace in figure.data:
        # One legend entry per series (the solid part); the dotted part is that series too.
        name = trace.name.rsplit(", ", 1)[0] if series else ""
        trace.update(name=name, legendgroup=name, showlegend=bool(series) and trace.line.dash != IN_PROGRESS_DASH)
    figure.update_layout(legend_title_text=(labels or {}).get(series, "") if series else "")
    if period_axis:
        figure.update_xaxes(type="category")
    return figure


def period_bars(frame: pd.DataFrame, *, x: str, y: str, in_progress: str, labels: dict[str, str] | None = None,
                hover_data: list[str] | None = None) -> go.Figure:
    """A bar per period (`x`: the periods' names, in order); bars of periods in progress are pale."""
    figure = px.bar(frame, x=x, y=y, labels=labels or {}, hover_data=hover_data)
    figure.update_traces(marker_opacity=[IN_PROGRESS_OPACITY if ongoing else 1.0
                                         for ongoing in frame[in_progress].astype(bool)])
    figure.update_xaxes(type="category")
    return figure


def heat_map(values: pd.DataFrame, in_progress: pd.DataFrame, *, text_format: str, colour_scale: str,
             labels: dict[str, str], zmin: float = 0.0, zmax: float | None = None) -> go.Figure:
    """`values` (rows × columns) as coloured cells with their values written in; the cells `in_progress` marks
    (a boolean frame of the same shape) are light grey instead, with their values written in the same way."""
    ongoing = in_progress.reindex_like(values).fillna(False).astype(bool)
    common = {"x": [str(c) for c in values.columns], "y": [str(i) for i in values.index],
              "texttemplate": f"%{{z:{text_format}}}", "xgap": 1, "ygap": 1, "zmin": zmin,
              "zmax": zmax if zmax is not None else float(values.max().max())}
    figure = go.Figure([
        go.Heatmap(z=values.where(~ongoing).to_numpy(), colorscale=colour_scale, name="",
                   colorbar={"title": {"text": labels.get("color", "")}, "tickformat": text_format},
                   hovertemplate=f"{labels.get('y', '')}: %{{y}}<br>{labels.get('x', '')}: %{{x}}<br>"
                                 f"{labels.get('color', '')}: %{{z:{text_format}}}<extra></extra>", **common),
        go.Heatmap(z=values.where(ongoing).to_numpy(), colorscale=[[0, IN_PROGRESS_CELL], [1, IN_PROGRESS_CELL]],
                   showscale=False, name=labels.get("in_progress", ""),
                   hovertemplate=f"{labels.get('y', '')}: %{{y}}<br>{labels.get('x', '')}: %{{x}}<br>"
                                 f"{labels.get('color', '')}: %{{z:{text_format}}} "
                                 f"({labels.get('in_progress', '')})<extra></extra>", **common),
    ])
    figure.update_xaxes(type="category", title_text=labels.get("x", ""))
    figure.update_yaxes(type="category", title_text=labels.get("y", ""), autorange="reversed")
    return figure
