"""The trend chart of a report: posts per hour as bars, the running total as a line,
and marks at 首发, the official response and each report. A PNG, drawn with
matplotlib's Agg canvas (no display, no pyplot state, safe in a worker thread)."""
from __future__ import annotations

import io
import logging
import warnings
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from indexer.post import SHANGHAI

from .baseline import to_hour
from .model import KIND_ZH
from .report import Report, local, shorten

log = logging.getLogger(__name__)

CJK_FAMILY = "WenQuanYi Micro Hei"
CJK_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"   # Debian fonts-wqy-microhei
SIZE = (9.0, 3.8)     # inches at DPI: 900 x 380 px
DPI = 100
BAR, LINE = "#4a90d9", "#c0392b"
MARKS = {"首发": "#2f855a", "官方回应": "#6b46c1", "报送": "#dd6b20"}


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, str] | None:
    """(family, file) of the font used for Chinese: the WenQuanYi family if matplotlib
    knows it, else the Debian file registered by path; None (warned once) if neither."""
    try:
        path = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
        return CJK_FAMILY, path
    except ValueError:
        pass
    if Path(CJK_FONT_FILE).is_file():
        font_manager.fontManager.addfont(CJK_FONT_FILE)
        return font_manager.FontProperties(fname=CJK_FONT_FILE).get_name(), CJK_FONT_FILE
    log.warning("no Chinese font found (install fonts-wqy-microhei); chart labels will show as boxes")
    return None


def trend_chart(report: Report) -> bytes:
    """The report's hourly counts as a PNG with Chinese labels."""
    font = cjk_font()
    families = [font[0], "DejaVu Sans"] if font else ["DejaVu Sans"]
    rc = {"font.family": families, "axes.unicode_minus": False, "font.size": 9}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        if font is None:   # boxes were announced once; do not warn per glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        _draw(fig, report)
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _draw(fig: Figure, r: Report) -> None:
    ax = fig.add_subplot(1, 1, 1)
    hours = [local(h) for h, _ in r.hourly] or [to_hour(r.sent_at)]
    counts = [n for _, n in r.hourly] or [0]
    x = mdates.date2num(hours)
    width = 0.8 / 24
    bars = ax.bar(x, counts, width=width, align="edge", color=BAR, label="每小时新增")
    ax2 = ax.twinx()
    total, running = [], 0
    for n in counts:
        running += n
        total.append(running)
    line, = ax2.plot([x[0], *(x + 1 / 24)], [0, *total], color=LINE, linewidth=1.8, marker="o" if len(x) <= 48 else "",
                     markersize=3, label="累计")
    ax.set_ylabel("每小时新增（条）")
    ax2.set_ylabel("累计（条）")
    ax.set_ylim(0, max(counts) * 1.25 + 1)
    ax2.set_ylim(0, max(total) * 1.15 + 1)
    ax.set_xlim(x[0] - 0.1 / 24, x[-1] + 1.1 / 24)
    locator = mdates.AutoDateLocator(tz=SHANGHAI, minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H时" if len(x) <= 72 else "%m-%d", tz=SHANGHAI))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel("北京时间", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    handles = [bars, line]
    for when, label, color in _marks(r):
        xm = mdates.date2num(local(when))
        if x[0] - 1 / 24 <= xm <= x[-1] + 1.5 / 24:
            handles.append(ax.axvline(xm, color=color, linestyle="--", linewidth=1.2, label=label))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(6, len(handles)),
              fontsize=8, frameon=False)
    ax.set_title(f"{r.kind_zh}（{r.level.zh}级）传播趋势：{shorten(r.title, 24)}", fontsize=11, parse_math=False)
    fig.tight_layout()


def _marks(r: Report) -> list[tuple[datetime, str, str]]:
    """The vertical marks, each labelled once: 首发, official response, reports."""
    marks: list[tuple[datetime, str, str]] = []
    if r.first.published_at:
        marks.append((r.first.published_at, f"首发 {local(r.first.published_at):%H:%M}", MARKS["首发"]))
    for when, text in r.timeline:
        if text.startswith("官方回应"):
            marks.append((when, f"官方回应 {local(when):%H:%M}", MARKS["官方回应"]))
        elif text.startswith("已报送"):
            marks.append((when, f"{text[3:5]} {local(when):%H:%M}", MARKS["报送"]))
    marks.append((r.sent_at, f"本次{KIND_ZH[r.kind]} {local(r.sent_at):%H:%M}", MARKS["报送"]))
    return marks
