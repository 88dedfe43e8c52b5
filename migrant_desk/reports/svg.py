"""Bar charts drawn on the server as SVG: no chart library, no build step, no CDN, nothing run in the browser.

Every chart is an <svg role="img"> with a <title> and a <desc>; the numbers themselves are in the data table
the page shows under each chart (charts.py), which is what a screen reader user reads. Colours are the
Okabe-Ito palette (distinguishable with the common colour-vision deficiencies) and every bar segment that is
wide enough carries its number, so no reading depends on colour alone.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" {extra}>'
            f"{escape(str(text))}</text>")


def _width(text: str) -> float:
    """Rough width at 12 px: Latin letters ~6.5 px, Hangul, Han, kana and other wide scripts ~12 px."""
    return sum(6.5 if ord(c) < 0x0300 else 12.0 for c in text)


def _fit(text: str, pixels: float) -> str:
    """The text cut (with …) to about `pixels` wide, so a long label never runs out of the drawing."""
    if _width(text) <= pixels:
        return text
    while text and _width(text) > pixels - 12:
        text = text[:-1]
    return text + "…"


def _legend(series: list[str], y: float) -> tuple[str, float]:
    parts, x = [], 8.0
    for i, name in enumerate(series):
        width = 26 + _width(name)
        if x + width > 700:
            x, y = 8.0, y + 18
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_text(x + 16, y, name))
        x += width
    return "".join(parts), y + 14


def _frame(title: str, desc: str, width: float, height: float, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" {FONT}><title>{escape(title)}</title>'
            f"<desc>{escape(desc)}</desc>{body}</svg>")


def empty(title: str, note: str) -> str:
    return _frame(title, note, 720, 40, _text(8, 24, note, fill="#555"))


def horizontal_bars(title: str, desc: str, categories: list[str], series: list[str],
                    values: list[list[float]], percent: bool = False) -> str:
    """One bar per category, segments per series (stacked). percent=True scales each bar to 100%."""
    label_width, bar_width, row = 190.0, 470.0, 24.0
    legend, top = _legend(series, 18) if len(series) > 1 else ("", 8.0)
    totals = [sum(v) for v in values]
    scale_max = 100.0 if percent else max(totals + [1.0])
    parts = [legend]
    for r, (category, row_values, total) in enumerate(zip(categories, values, totals)):
        y = top + r * row
        parts.append(_text(label_width - 6, y + 15, _fit(category, label_width - 10), "end"))
        x = label_width
        for s, value in enumerate(row_values):
            share = (100.0 * value / total if total else 0.0) if percent else value
            width = bar_width * share / scale_max
            if width <= 0:
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y + 3:.1f}" width="{width:.1f}" height="{row - 6:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"/>')
            shown = f"{share:.0f}%" if percent else f"{value:g}"
            if width > 8 * len(shown):
                parts.append(_text(x + width / 2, y + 16, shown, "middle", "#000" if s in (1, 4, 6) else "#fff"))
            x += width
        if not percent:
            parts.append(_text(x + 4, y + 16, f"{total:g}"))
    height = top + len(categories) * row + 8
    return _frame(title, desc, 720, height, "".join(parts))


def vertical_bars(title: str, desc: str, categories: list[str], series: list[str], values: list[list[float]]) -> str:
    """One stacked column per category (e.g. a day), segments per series (e.g. languages)."""
    left, plot_height, width = 44.0, 180.0, 720.0
    legend, top = _legend(series, 18)
    top += 6
    totals = [sum(v) for v in values]
    peak = max(totals + [1.0])
    step = (width - left - 8) / max(len(categories), 1)
    column = max(min(step * 0.7, 40.0), 2.0)
    parts = [legend]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_height * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_text(left - 4, y + 4, f"{peak * tick:.0f}", "end", "#555"))
    label_every = max(1, round(len(categories) / 10))
    for c, (category, column_values) in enumerate(zip(categories, values)):
        x = left + c * step + (step - column) / 2
        y = top + plot_height
        for s, value in enumerate(column_values):
            h = plot_height * value / peak
            if h <= 0:
                continue
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"/>')
        if c % label_every == 0:
            parts.append(_text(x + column / 2, top + plot_height + 14, category[5:], "middle", "#555"))
    return _frame(title, desc, width, top + plot_height + 24, "".join(parts))
