"""The backtest page of the dashboard (`segments backtest`): the metrics, the frequency check, the
tracking curve and what each segment's customers did in the holdout, read from the schema backtest."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
from pyspark.sql import SparkSession

from segments.report import save_dashboard
from segments.report.charts import layout
from segments.report.data import plain_numbers
from segments.report.page import STYLE, card_html, shown
from segments.report.value_charts import MODEL_NAMES

QUERIES = {
    "metrics": "select * from backtest.backtest_metrics",
    "frequency": "select * from backtest.backtest_frequency order by calibration_frequency",
    "tracking": "select * from backtest.backtest_tracking order by period",
    "segments": "select * from backtest.backtest_segment_lift order by segment_type, holdout_revenue_per_customer desc",
    "fits": "select model, status, detail from backtest.ml_value_fits "
    "where run_id in (select distinct run_id from backtest.ml_customer_value) order by model",
}
MODEL_COLOR, ACTUAL_COLOR = "#d95f02", "#1b9e77"


def _frequency_chart(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        [
            go.Bar(name="actual", x=frame["label"], y=frame["mean_actual_purchases"], marker_color=ACTUAL_COLOR),
            go.Bar(name="predicted", x=frame["label"], y=frame["mean_predicted_purchases"], marker_color=MODEL_COLOR),
        ]
    )
    return layout(
        figure,
        "Holdout purchases per customer, by repeat purchases in calibration",
        xaxis_title="repeat purchases in the calibration period",
        yaxis_title="mean purchases in the holdout",
        barmode="group",
    )


def _tracking_chart(frame: pd.DataFrame, calibration_end, unit: str) -> go.Figure:
    figure = go.Figure(
        [
            go.Scatter(
                name="actual", x=frame["period_end"], y=frame["actual_repeat_purchases"], line_color=ACTUAL_COLOR
            ),
            go.Scatter(
                name="BG/NBD",
                x=frame["period_end"],
                y=frame["expected_repeat_purchases"],
                line={"color": MODEL_COLOR, "dash": "dash"},
            ),
        ]
    )
    figure.add_vline(x=pd.Timestamp(calibration_end).timestamp() * 1000, line_dash="dot", line_color="#888")
    return layout(
        figure,
        f"Cumulative repeat purchases, per {unit.rstrip('s')} (dotted: calibration end)",
        xaxis_title="end of period",
        yaxis_title="repeat purchases since the first purchase",
    )


def _chart(name: str, figure: go.Figure) -> str:
    body = figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    return f'<div class="chart" id="chart-{name}">{body}</div>'


def _segment_table(frame: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(s['segment_type'])}</td><td>{html.escape(str(s['segment']))}</td>"
        f"<td class=n>{s['customers']:,}</td><td class=n>{s['bought_again_share']:.1%}</td>"
        f"<td class=n>{s['holdout_purchases_per_customer']:.2f}</td>"
        f"<td class=n>{shown(s['predicted_purchases_per_customer'], '.2f')}</td>"
        f"<td class=n>{s['holdout_revenue_per_customer']:,.2f}</td>"
        f"<td class=n>{shown(s['purchases_lift'], '.2f')}</td><td class=n>{shown(s['revenue_lift'], '.2f')}</td></tr>"
        for _, s in frame.iterrows()
    )
    head = (
        "<tr><th>type</th><th>segment (at calibration end)</th><th>customers</th><th>bought again</th>"
        "<th>holdout purchases per customer</th><th>predicted</th><th>holdout revenue per customer</th>"
        "<th>purchases lift</th><th>revenue lift</th></tr>"
    )
    return f'<table id="backtest-segments">{head}{rows}</table>'


def _cards(metrics: pd.Series) -> list[tuple[str, str]]:
    return [
        ("customers", f"{metrics['customers']:,}"),
        ("bought again", shown(metrics["bought_again_share"], ".1%")),
        ("correlation, purchases", shown(metrics["purchases_correlation"], ".3f")),
        ("MAE, purchases", shown(metrics["purchases_mae"], ".3f")),
        ("RMSE, purchases", shown(metrics["purchases_rmse"], ".3f")),
        ("total error", shown(metrics["purchases_total_error_pct"], "+.1f") + " %"),
        ("purchase probability: Brier", shown(metrics["purchase_probability_brier"], ".3f")),
        ("purchase probability: ROC AUC", shown(metrics["purchase_probability_auc"], ".3f")),
        ("P(alive): Brier", shown(metrics["p_alive_brier"], ".3f")),
        ("P(alive): ROC AUC", shown(metrics["p_alive_auc"], ".3f")),
        ("top CLV decile lift", shown(metrics["top_decile_lift"], ".2f")),
    ]


def _fits_note(fits: pd.DataFrame) -> str:
    """Each value model's outcome on the calibration period, with why when it was not plainly fitted."""
    parts = [
        f"{MODEL_NAMES.get(fit['model'], fit['model'])}: {fit['status']}"
        + (f" ({fit['detail']})" if fit["detail"] else "")
        for _, fit in fits.iterrows()
    ]
    return html.escape("; ".join(parts))


def render_backtest_page(data: dict[str, pd.DataFrame]) -> str:
    metrics = data["metrics"].iloc[0]
    unit = str(metrics["time_unit"])
    calibration_end, holdout_end = metrics["calibration_end"], metrics["holdout_end"]
    charts = _chart("frequency", _frequency_chart(data["frequency"]))
    if data["tracking"]["expected_repeat_purchases"].notna().any():
        charts += _chart("tracking", _tracking_chart(data["tracking"], calibration_end, unit))
    title = "Backtest"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>{title}: calibration to {calibration_end}, holdout to {holdout_end}</h1>
<p class="meta">Generated {datetime.now():%Y-%m-%d %H:%M} by segments backtest. The segments and the
value models were computed on the purchases up to {calibration_end} only, then compared with what each
customer did in the {metrics["holdout_length"]:.1f} {html.escape(unit)} after it. Purchases are
purchase days; P(alive) is scored over the customers with a repeat purchase (docs/backtest.md).</p>
<p class="meta">Value models on the calibration period: {_fits_note(data["fits"])}.</p>
<div class="cards">{card_html(_cards(metrics))}</div>
<h2>Did the segments keep their promise?</h2>
<p class="meta">Lift: holdout figures per customer of the segment over those of all customers.</p>
{_segment_table(data["segments"])}
<div class="figures">{charts}</div>
</body></html>
"""


def write_backtest_page(spark: SparkSession, out: Path) -> Path:
    data = {name: plain_numbers(spark.sql(query).toPandas()) for name, query in QUERIES.items()}
    return save_dashboard(render_backtest_page(data), out)
