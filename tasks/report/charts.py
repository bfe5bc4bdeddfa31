"""The report's charts as inline SVG, drawn with matplotlib's SVG backend.

Why this way: matplotlib is the well-kept plotting library of the Python stack (no browser, no
network, no JavaScript runtime); its SVG backend with `svg.fonttype = "path"` turns every glyph into
a path, so the PDF needs no extra embedded font (PDF/A) and Vietnamese diacritics come out exactly as
the font draws them (Liberation Serif, the report's font). Output is deterministic: no date in the
metadata, ids salted from the chart's own content (so two charts in one HTML page never share an
id), and the same input gives the same bytes in any process.

Every chart takes plain values and returns the `<svg>…</svg>` element; captions and the tables of
the numbers are the report template's business. Numbers are Vietnamese (1.234,5; 81,3%).
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.core.formatting import fmt_number

WIDTH_IN = 6.3  # the A4 text block is 165 mm
FONT = ["Liberation Serif", "DejaVu Serif"]
INK, GREY, BLUE, AMBER, RED = "#000000", "#8c8c8c", "#3b6ea5", "#d9a21b", "#b0413e"
NO_DATA = "Chưa có số liệu"


@dataclass(frozen=True)
class TargetBar:
    """One indicator against its annual target."""

    code: str  # "T1"
    label: str  # short Vietnamese label
    achieved_pct: float | None  # value as % of the annual target; None = no data
    expected_pct: float | None  # pro-rata expectation as % of target at this point of the year
    value_text: str  # "81,3%" / "12 lớp"
    target_text: str  # "100%" / "2 lớp"


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per x label; None = no data (a gap)


@dataclass(frozen=True)
class TimelinessBar:
    label: str  # "Quý IV/2024"
    on_time: int
    late: int
    missing: int  # expected units with no accepted submission


def vn_number(value: float, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (decimals=1)."""
    return fmt_number(value, decimals, trim=decimals > 0)


def vn_percent(ratio: float, decimals: int = 1) -> str:
    """0.8125 -> '81,3%' (a ratio: 1.0 = 100%)."""
    return fmt_number(ratio * 100, decimals) + "%"


def _rc() -> dict:
    return {
        "svg.fonttype": "path",
        "font.family": "serif",
        "font.serif": FONT,
        "font.size": 8.5,
        "axes.edgecolor": GREY,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.major.width": 0.5,
        "ytick.major.width": 0.5,
        "legend.frameon": False,
        "figure.dpi": 72,
    }


def _salt(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:12]


def _render(draw, height_in: float, salt: str) -> str:
    """Run `draw(figure)` in a private rc context and return the <svg> element."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**_rc(), "svg.hashsalt": salt}):
        fig = Figure(figsize=(WIDTH_IN, height_in))
        FigureCanvasSVG(fig)
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :].strip()
    # ids are salted by matplotlib but some are fixed names ("patch_1", "figure_1"): prefix them all
    prefix = f"c{salt}-"
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', svg)
    return svg


def _empty(fig) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=10, color=GREY)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)[:2])


def target_chart(bars: Sequence[TargetBar]) -> str:
    """Horizontal bars: each indicator's result as % of its annual target, with a line at 100% and
    a marker at the pro-rata expectation."""
    bars = list(bars)
    height = 0.9 + 0.42 * max(len(bars), 1)

    def draw(fig) -> None:
        if not bars:
            _empty(fig)
            return
        ax = fig.add_subplot()
        ys = list(range(len(bars)))[::-1]
        clip = 150.0  # a bar beyond 150% is drawn to 150%; its text gives the value
        label_x = 155.0  # the values, in a column right of the bars (never over the markers)
        limit = 230.0
        for y, b in zip(ys, bars, strict=True):
            if b.achieved_pct is None:
                ax.text(label_x, y, "chưa có số liệu", va="center", fontsize=8, color=GREY)
            else:
                shown = min(b.achieved_pct, clip)
                ax.barh(y, shown, height=0.55, color=BLUE, label="Kết quả" if y == ys[0] else None)
                ax.text(
                    label_x,
                    y,
                    f"{b.value_text} / {b.target_text} ({vn_number(b.achieved_pct)}%)",
                    va="center",
                    fontsize=8,
                )
            if b.expected_pct is not None:
                ax.plot(
                    [b.expected_pct],
                    [y],
                    marker="D",
                    markersize=5,
                    color=INK,
                    linestyle="none",
                    label="Mức cần đạt theo tiến độ" if y == ys[0] else None,
                )
        ax.axvline(100, color=RED, linewidth=0.8, linestyle="--")
        ax.set_yticks(ys, [b.code for b in bars])
        ax.set_xlim(0, limit)
        ax.set_xticks([0, 25, 50, 75, 100, 125, 150])
        ax.spines["bottom"].set_bounds(0, clip)
        ax.set_xlabel("% chỉ tiêu năm")
        ax.xaxis.set_major_formatter(_formatter(lambda v: vn_number(v) + "%"))
        ax.legend(loc="lower center", bbox_to_anchor=(0.35, 1.0), fontsize=7.5, ncols=2)
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("target", bars))


def _formatter(fn):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: fn(value))


def trend_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    percent: bool = False,
    columns: int = 3,
) -> str:
    """Small multiples, one panel per series over the quarters. With percent=True the values are
    ratios (0..1) shown as percentages."""
    x_labels, series = list(x_labels), list(series)
    rows = max(1, -(-len(series) // columns))
    height = 0.4 + 1.55 * rows

    def draw(fig) -> None:
        if not series or not x_labels:
            _empty(fig)
            return
        axes = fig.subplots(rows, columns, squeeze=False)
        xs = list(range(len(x_labels)))
        step = max(1, -(-len(x_labels) // 7))
        for k, ax in enumerate(axes.flat):
            if k >= len(series):
                ax.set_axis_off()
                continue
            s = series[k]
            ys = [float("nan") if v is None else (v * 100 if percent else v) for v in s.values]
            ax.plot(xs, ys, color=BLUE, linewidth=1.2, marker="o", markersize=2.5)
            ax.set_title(_wrap(s.label, 34), fontsize=7.5, loc="left")
            ax.set_xticks(xs[::step], [x_labels[i] for i in xs[::step]], fontsize=6.5)
            ax.tick_params(axis="y", labelsize=6.5)
            present = [y for y in ys if y == y]
            ax.set_ylim(0, (max(present) * 1.15 if present and max(present) > 0 else 1))
            if percent:
                ax.yaxis.set_major_formatter(_formatter(lambda v: vn_number(v) + "%"))
            else:
                ax.yaxis.set_major_formatter(_formatter(lambda v: vn_number(v)))
            if y_label and k % columns == 0:
                ax.set_ylabel(y_label, fontsize=7)
        fig.tight_layout(pad=0.4, h_pad=0.8, w_pad=0.6)

    return _render(draw, height, _salt("trend", x_labels, series, y_label, percent, columns))


def bar_chart(items: Sequence[tuple[str, float]], *, x_label: str) -> str:
    """Horizontal bars in the order given (the caller sorts), value at each bar's end."""
    items = [(name, float(value)) for name, value in items]
    height = 0.7 + 0.3 * max(len(items), 1)

    def draw(fig) -> None:
        if not items:
            _empty(fig)
            return
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        top = max(v for _, v in items) or 1
        for y, (_name, value) in zip(ys, items, strict=True):
            ax.barh(y, value, height=0.6, color=BLUE)
            ax.text(value + top * 0.01, y, vn_number(value), va="center", fontsize=7.5)
        ax.set_yticks(ys, [_wrap(name, 38) for name, _ in items], fontsize=7.5)
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_formatter(_formatter(lambda v: vn_number(v)))
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("bars", items, x_label))


def timeliness_chart(bars: Sequence[TimelinessBar]) -> str:
    """Stacked horizontal bars per quarter: on time, late, missing or rejected."""
    bars = list(bars)
    height = 0.8 + 0.38 * max(len(bars), 1)

    def draw(fig) -> None:
        if not bars:
            _empty(fig)
            return
        ax = fig.add_subplot()
        ys = list(range(len(bars)))[::-1]
        total = max(b.on_time + b.late + b.missing for b in bars) or 1
        parts = (
            ("on_time", "Đúng hạn", BLUE),
            ("late", "Trễ hạn", AMBER),
            ("missing", "Chưa gửi/bị từ chối", RED),
        )
        for y, b in zip(ys, bars, strict=True):
            left = 0
            for attr, label, colour in parts:
                width = getattr(b, attr)
                ax.barh(
                    y,
                    width,
                    left=left,
                    height=0.6,
                    color=colour,
                    label=label if y == ys[0] else None,
                )
                if width and width / total > 0.06:
                    ax.text(
                        left + width / 2,
                        y,
                        vn_number(width),
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="white" if colour != AMBER else INK,
                    )
                left += width
        ax.set_yticks(ys, [b.label for b in bars])
        ax.set_xlim(0, total * 1.02)
        ax.set_xlabel("Số đơn vị phải báo cáo")
        ax.xaxis.set_major_formatter(_formatter(lambda v: vn_number(v)))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=3, fontsize=7.5)
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("timeliness", bars))
