"""The figures of the quarterly report: which chart shows what, from the view model's numbers
(tasks/report/charts.py draws them). Every figure's numbers are also in a table of the report."""

from __future__ import annotations

from tasks.report.charts import (
    Series,
    TargetBar,
    TimelinessBar,
    bar_chart,
    target_chart,
    timeliness_chart,
    trend_chart,
)

# the names report_charts gives its figures (the template asks for them by these)
CHART_NAMES = ("timeliness", "targets", "trend_indicators", "trend_counts", "by_type", "by_channel")


def report_charts(model) -> dict[str, str]:
    """The figures of `model` (a tasks.report.model.ReportModel) as inline SVG, by the name the
    template asks for."""
    trend = model.trend
    labels = trend.short_labels
    counts = [s for s in trend.indicators if not s.percent]
    return {
        "timeliness": timeliness_chart(
            [TimelinessBar(t.label, t.on_time, t.late, t.missing) for t in model.timeliness]
        ),
        "targets": target_chart(
            [
                TargetBar(p.code, p.code, p.achieved, p.expected, p.value_text, p.target_text)
                for p in model.target_progress
            ]
        ),
        "trend_indicators": trend_chart(
            labels,
            [Series(s.code, s.values) for s in trend.indicators if s.percent],
            y_label="%",
            percent=True,
        ),
        "trend_counts": trend_chart(
            labels,
            [Series(f"{s.code}. {s.label}", s.values) for s in counts]
            + [Series(s.label, s.values) for s in trend.monitoring],
            y_label="",
        ),
        "by_type": bar_chart(
            [(a.name, a.quantity) for a in model.activities], x_label="Số lượng", key="by_type"
        ),
        "by_channel": bar_chart(
            [(c.name, c.quantity) for c in model.channels], x_label="Số lượng", key="by_channel"
        ),
    }
