"""What a source adds to the dashboard (Source.dashboard): its queries, headline cards, charts and
tables. The segment part of the page is the same for every source."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

DashboardData = dict[str, pd.DataFrame]  # query name -> its result


@dataclass(frozen=True)
class Sections:
    currency: str  # the symbol money is shown with
    queries: dict[str, str]  # name -> SQL over the published tables; small aggregates only
    cards: Callable[[DashboardData], list[tuple[str, str]]]  # headline figures: (label, value)
    charts: tuple[Callable[[DashboardData], go.Figure], ...] = ()  # drawn before the segment charts
    tables: Callable[[DashboardData], str] = field(default=lambda data: "")  # HTML after the charts


def html_table(table_id: str, frame: pd.DataFrame, columns: list[str]) -> str:
    """A plain HTML table of `columns`, whole numbers right-aligned, every value escaped."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td class=n>{v:,}</td>" if isinstance(v, int) else f"<td>{html.escape(str(v or ''))}</td>"
            for v in (row[c] for c in columns)
        )
        + "</tr>"
        for _, row in frame.astype(object).iterrows()
    )
    return f'<table id="{table_id}"><tr>{head}</tr>{rows}</table>'
