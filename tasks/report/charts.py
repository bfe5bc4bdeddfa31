"""The report's charts as inline SVG, drawn with matplotlib's SVG backend.

Four charts: indicators against their annual targets (`target_chart`), small multiples of the
quarterly trends (`trend_chart`), plain horizontal bars for activities by type or channel
(`bar_chart`) and the units' reporting timeliness per quarter (`timeliness_chart`).

Why this way: matplotlib is the well-kept plotting library of the Python stack (no browser, no
network, no JavaScript runtime). It is used through `Figure` + `FigureCanvasSVG` only, never pyplot,
so no GUI backend is touched and no global figure registry is shared. With
`svg.fonttype = "path"` every glyph becomes a path: the PDF needs no extra embedded font (PDF/A)
and Vietnamese diacritics come out exactly as the font draws them (Liberation Serif, the report's
Times-like face; DejaVu Serif as the fallback). Output is deterministic: no date or creator in the
metadata, `svg.hashsalt` fixed per chart, and every id prefixed with a digest of the chart's own
inputs, so the same input gives the same bytes in any process and two different charts in one HTML
page never share an id.

Every chart takes plain values and returns the `<svg>…</svg>` element, 6.3 in (160 mm, the A4 text
block) wide, with no title (the HTML caption says what it is). Numbers are Vietnamese: 1.234,5 and
81,3%. Every chart accepts empty input and then says "Chưa có số liệu".
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tasks.core.formatting import fmt_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

WIDTH_IN = 6.3  # 160 mm: the A4 portrait text block
FONT = ["Liberation Serif", "DejaVu Serif"]
FONT_SIZE = 8.5
SMALL = 8.0  # tick labels of the small multiples, value labels, legends
INK, GREY, LIGHT = "#000000", "#7f7f7f", "#b3b3b3"
BLUE, AMBER = "#3b6ea5", "#d9a21b"  # the two muted colours
NO_DATA = "Chưa có số liệu"
NICE_STEPS = [1, 2, 5, 10]  # tick steps 1, 2, 5 × 10^n (never 8, 16, 24…)
PANEL_H = 80.0  # pt: the plot area of one small multiple
TARGET_CLIP = 150.0  # target chart: bars beyond 150 % run off the axis; their text gives the value

# rcParams are process-global: one chart at a time, so threads never mix their settings.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class TargetBar:
    """One indicator against its annual target."""

    code: str  # "T1"
    label: str  # short Vietnamese label, e.g. "T1. Tỷ lệ cán bộ được phổ biến"
    achieved_pct: float | None  # value as % of the annual target (87.5); None = no data
    expected_pct: float | None  # pro-rata expectation as % of target at this point of the year
    value_text: str  # "81,3%" / "12 lớp" (shown next to the bar)
    target_text: str  # "100%" / "16 lớp"


@dataclass(frozen=True)
class Series:
    """One panel of a trend chart."""

    label: str  # "T1" or an element name
    values: tuple[float | None, ...]  # one per x label; None = no data (a gap)


@dataclass(frozen=True)
class TimelinessBar:
    """One quarter's submissions."""

    label: str  # "Quý IV/2024"
    on_time: int
    late: int
    missing: int  # expected units with no accepted submission


# --- Vietnamese numbers ------------------------------------------------------------------------


def vn_number(value: float, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (decimals=1); trailing zero decimals are dropped (12.0 -> '12')."""
    return fmt_number(value, decimals, trim=decimals > 0)


def vn_percent(ratio: float, decimals: int = 1) -> str:
    """0.8125 -> '81,3%' (a ratio: 1.0 = 100%)."""
    return fmt_number(ratio * 100, decimals) + "%"


def vn_formatter(*, percent: bool = False, decimals: int = 2) -> FuncFormatter:
    """A matplotlib tick formatter in Vietnamese style, trailing zero decimals dropped:
    1234.5 -> '1.234,5', 2.0 -> '2'. With percent=True the axis values are ratios (0..1):
    0.8125 -> '81,25%' (decimals=2) or '81,3%' (decimals=1)."""
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _pos: fmt_number(v * 100, decimals, trim=True) + "%")
    return FuncFormatter(lambda v, _pos: fmt_number(v, decimals, trim=True))


def _formatter(fn: Callable[[float], str]) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: fn(value))


# --- rendering ---------------------------------------------------------------------------------


def _rc() -> dict[Any, Any]:  # matplotlib types rc keys as Literals
    return {
        "svg.fonttype": "path",
        "font.family": "serif",
        "font.serif": FONT,
        "font.size": FONT_SIZE,
        "axes.edgecolor": GREY,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": SMALL,
        "axes.labelsize": FONT_SIZE,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE,
        "xtick.major.width": 0.5,
        "ytick.major.width": 0.5,
        "xtick.minor.width": 0.4,
        "legend.frameon": False,
        "legend.fontsize": SMALL,
        "figure.dpi": 72,
        "path.simplify": False,
    }


def _salt(*parts: object) -> str:
    """A digest of a chart's inputs: its hashsalt and its id prefix."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:12]


def _render(draw: Callable[[Figure], None], height_in: float, salt: str) -> str:
    """Run `draw(figure)` with the report's rc settings and return the bare <svg> element, every
    id (and every reference to one) prefixed with the chart's salt."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context({**_rc(), "svg.hashsalt": salt}):
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
    svg = svg[svg.index("<svg") :].strip()  # no XML declaration, no DOCTYPE
    # ids are salted by matplotlib but some are fixed names ("patch_1", "figure_1"): prefix them all
    prefix = f"c{salt}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(
        r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg
    )
    return svg


def _empty(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=9, color=GREY)


def _wrap(text: str, width: int) -> str:
    """At most two lines of about `width` characters; a longer text ends with '…'."""
    return "\n".join(textwrap.wrap(text, width, max_lines=2, placeholder=" …")) or text


def _text_width(text: str, size: float) -> float:
    """Rough width in pt of one line of Liberation Serif (digits are half an em)."""
    ems = sum(0.25 if c in ".,:;/ ()" else 0.85 if c in "%MWQmw" else 0.5 for c in text)
    return ems * size


def _legend_above(ax: Axes, columns: int) -> None:
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=columns, borderaxespad=0.2)


# --- charts ------------------------------------------------------------------------------------


def target_chart(bars: Sequence[TargetBar], *, key: str = "") -> str:
    """Horizontal bars, one per indicator in the given order (top to bottom): the result as % of
    the annual target ("Kết quả"), a dashed line at 100 % and a black diamond at the pro-rata
    expectation ("Mức cần đạt theo tiến độ"). The x axis runs from 0 to max(100, data) + 10 (data
    beyond 150 % run off the axis; the text gives the value). Each indicator's value_text /
    target_text is printed in a column right of the axis, so it never covers a marker; an
    indicator without data gets no bar and "chưa có số liệu". `key` only tells apart two charts
    of identical content in one page."""
    bars = list(bars)
    height = 0.95 + 0.36 * max(len(bars), 1)
    if any(len(b.label) > 40 for b in bars):
        height += 0.1 * len(bars)

    def draw(fig: Figure) -> None:
        if not bars:
            _empty(fig)
            return
        from matplotlib.transforms import blended_transform_factory

        ax = fig.add_subplot()
        data = [v for b in bars for v in (b.achieved_pct, b.expected_pct) if v is not None]
        xmax = min(max([100.0, *data]), TARGET_CLIP) + 10
        column = blended_transform_factory(ax.transAxes, ax.transData)
        ys = list(range(len(bars)))[::-1]
        first_bar = first_marker = True
        for y, b in zip(ys, bars, strict=True):
            if b.achieved_pct is None:
                ax.text(1.02, y, "chưa có số liệu", transform=column, va="center", color=GREY)
            else:
                ax.barh(
                    y,
                    min(b.achieved_pct, xmax),
                    height=0.55,
                    color=BLUE,
                    label="Kết quả" if first_bar else None,
                )
                first_bar = False
                ax.text(
                    1.02,
                    y,
                    f"{b.value_text} / {b.target_text} ({vn_number(b.achieved_pct, 1)}%)",
                    transform=column,
                    va="center",
                )
            if b.expected_pct is not None:
                ax.plot(
                    [b.expected_pct],
                    [y],
                    marker="D",
                    markersize=5,
                    color=INK,
                    linestyle="none",
                    label="Mức cần đạt theo tiến độ" if first_marker else None,
                )
                first_marker = False
        ax.axvline(100, color=GREY, linewidth=0.8, linestyle="--", label="Chỉ tiêu năm (100%)")
        ax.set_yticks(ys, [_wrap(b.label, 40) for b in bars])
        ax.set_ylim(-0.6, len(bars) - 0.4)
        ax.set_xlim(0, xmax)
        ax.xaxis.set_major_formatter(_formatter(lambda v: vn_number(v, 1) + "%"))
        ax.set_xlabel("% chỉ tiêu năm")
        handles, labels = ax.get_legend_handles_labels()
        order = ["Kết quả", "Mức cần đạt theo tiến độ", "Chỉ tiêu năm (100%)"]
        pairs = sorted(zip(labels, handles, strict=True), key=lambda p: order.index(p[0]))
        ax.legend(
            [h for _, h in pairs],
            [lb for lb, _ in pairs],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncols=3,
            borderaxespad=0.2,
        )
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("target", bars, key))


def trend_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    percent: bool = False,
    columns: int = 3,
    key: str = "",
) -> str:
    """Small multiples: one panel per series (a grid of `columns` columns, the height growing with
    the rows), a line with markers over the x labels (quarters such as "Q4/22"; a None value leaves
    a gap), each panel with its own y axis from 0 and the series label (at most two lines) above.
    Tick labels are thinned, always keeping the last (latest) one.

    With percent=True the values are ratios (0..1; 0.8125 = 81,25%) and the y axis reads "81,3%";
    otherwise they are plain numbers (1.234,5). `y_label` goes on the first panel of each row."""
    x_labels, series = list(x_labels), list(series)
    columns = max(1, columns)
    for s in series:
        if len(s.values) != len(x_labels):
            raise ValueError(
                f"series {s.label!r}: {len(s.values)} values for {len(x_labels)} x labels"
            )
    if not series or not x_labels:
        return _render(_empty, 1.0, _salt("trend", x_labels, series, y_label, percent, key))
    from matplotlib.ticker import MaxNLocator

    # The layout is computed here rather than by tight_layout (which costs a second drawing pass,
    # about a third of the time): every size in pt, text widths estimated from the glyphs.
    rows = math.ceil(len(series) / columns)
    formatter = vn_formatter(percent=percent)
    panels = []
    for s in series:
        ys = [math.nan if v is None else float(v) for v in s.values]
        present = [y for y in ys if not math.isnan(y)]
        top = max(present, default=0.0)
        ymax = top * 1.15 if top > 0 else (0.1 if percent else 1.0)
        whole = all(y.is_integer() for y in present) and not percent
        locator = MaxNLocator(nbins=5, steps=NICE_STEPS, integer=whole)
        ticks = [t for t in locator.tick_values(0, ymax) if 0 <= t <= ymax]
        panels.append((s, ys, ymax, locator, [formatter(t, 0) for t in ticks]))
    tick_w = max(_text_width(t, SMALL) for *_, labels in panels for t in labels) + 8
    ylabel_w = SMALL * 1.2 + 4 if y_label else 0.0
    width = WIDTH_IN * 72
    left, right, gap = ylabel_w + tick_w + 2, 12.0, tick_w + 14
    axes_w = (width - left - right - (columns - 1) * gap) / columns
    wrap = max(12, int((axes_w + gap - 8) / (SMALL * 0.47)))
    titles = [_wrap(s.label, wrap) for s, *_ in panels]
    title_h = (2 if any("\n" in t for t in titles) else 1) * SMALL * 1.2 + 8
    xtick_h = SMALL * 1.2 + 9
    height_pt = 4 + rows * (title_h + PANEL_H + xtick_h) + 2
    fits = max(2, int(axes_w // (_text_width(max(x_labels, key=len), SMALL) + 3)))
    step = math.ceil(len(x_labels) / fits)
    xs = list(range(len(x_labels)))
    shown = xs[::-1][::step][::-1]  # count back from the latest quarter

    def draw(fig: Figure) -> None:
        axes = fig.subplots(
            rows,
            columns,
            squeeze=False,
            gridspec_kw={
                "left": left / width,
                "right": 1 - right / width,
                "wspace": gap / axes_w,
                "top": 1 - (4 + title_h) / height_pt,
                "bottom": (xtick_h + 2) / height_pt,
                "hspace": (xtick_h + title_h) / PANEL_H,
            },
        )
        for k, ax in enumerate(axes.flat):
            if k >= len(panels):
                ax.set_axis_off()
                continue
            _s, ys, ymax, locator, _labels = panels[k]
            ax.plot(xs, ys, color=BLUE, linewidth=1.2, marker="o", markersize=2.5)
            ax.set_title(titles[k], loc="left")
            ax.set_xticks(shown, [x_labels[i] for i in shown], fontsize=SMALL)
            ax.tick_params(axis="y", labelsize=SMALL)
            ax.set_xlim(-0.5, len(xs) - 0.5)
            ax.set_ylim(0, ymax)
            ax.yaxis.set_major_locator(locator)
            ax.yaxis.set_major_formatter(formatter)
            if y_label and k % columns == 0:
                ax.set_ylabel(y_label, fontsize=SMALL)

    salt = _salt("trend", x_labels, series, y_label, percent, columns, key)
    return _render(draw, height_pt / 72, salt)


def bar_chart(items: Sequence[tuple[str, float]], *, x_label: str, key: str = "") -> str:
    """Horizontal bars in the order given (the caller sorts), top to bottom, with the value at each
    bar's end in Vietnamese numbers (1.234,5); long category names wrap to two lines. Used for the
    activities by type and by channel. `key` tells apart two charts of identical content in one
    page (e.g. both empty)."""
    items = [(name, float(value)) for name, value in items]
    height = 0.7 + 0.3 * max(len(items), 1)
    if any(len(name) > 38 for name, _ in items):
        height += 0.08 * len(items)

    def draw(fig: Figure) -> None:
        if not items:
            _empty(fig)
            return
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        top = max(max(v for _, v in items), 0.0) or 1.0
        for y, (_name, value) in zip(ys, items, strict=True):
            ax.barh(y, value, height=0.6, color=BLUE)
            ax.text(value + top * 0.01, y, vn_number(value, 1), va="center", fontsize=SMALL)
        ax.set_yticks(ys, [_wrap(name, 38) for name, _ in items], fontsize=SMALL)
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_formatter(vn_formatter())
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("bars", items, x_label, key))


def timeliness_chart(bars: Sequence[TimelinessBar], *, key: str = "") -> str:
    """Stacked horizontal bars, one per quarter (up to about 4) in the given order: units that
    reported on time ("Đúng hạn"), late ("Trễ hạn"), and those with no accepted report
    ("Chưa gửi/bị từ chối"); each count printed inside its segment when the segment is wide
    enough."""
    bars = list(bars)
    height = 1.0 + 0.36 * max(len(bars), 1)

    def draw(fig: Figure) -> None:
        if not bars:
            _empty(fig)
            return
        from matplotlib.ticker import MaxNLocator

        ax = fig.add_subplot()
        ys = list(range(len(bars)))[::-1]
        total = max(b.on_time + b.late + b.missing for b in bars) or 1
        parts = (
            ("on_time", "Đúng hạn", BLUE, "white"),
            ("late", "Trễ hạn", AMBER, INK),
            ("missing", "Chưa gửi/bị từ chối", LIGHT, INK),
        )
        for y, b in zip(ys, bars, strict=True):
            left = 0
            for attr, label, colour, text_colour in parts:
                width = getattr(b, attr)
                ax.barh(
                    y,
                    width,
                    left=left,
                    height=0.6,
                    color=colour,
                    label=label if y == ys[0] else None,
                )
                text = vn_number(width)
                if width and width / total > 0.012 * (len(text) + 2):  # ~1 % of axis per char
                    ax.text(
                        left + width / 2,
                        y,
                        text,
                        ha="center",
                        va="center",
                        fontsize=SMALL,
                        color=text_colour,
                    )
                left += width
        ax.set_yticks(ys, [b.label for b in bars])
        ax.set_ylim(-0.6, len(bars) - 0.4)
        ax.set_xlim(0, total * 1.02)
        ax.set_xlabel("Số đơn vị phải báo cáo")
        ax.xaxis.set_major_formatter(vn_formatter())
        ax.xaxis.set_major_locator(MaxNLocator(steps=NICE_STEPS, integer=True))
        _legend_above(ax, 3)
        fig.tight_layout(pad=0.4)

    return _render(draw, height, _salt("timeliness", bars, key))
