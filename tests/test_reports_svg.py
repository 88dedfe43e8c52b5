"""Server-drawn charts: well-formed SVG whose labels stay inside the drawing in any script."""

import xml.etree.ElementTree as ET

from migrant_desk.reports import svg

NS = "{http://www.w3.org/2000/svg}"


def test_long_labels_in_wide_scripts_are_cut_to_fit():
    label = "外国人登録証(ARC)はどこで申請しますか？入国してから何日以内に" * 2
    drawing = ET.fromstring(svg.horizontal_bars("t", "d", [label, "short"], ["n"], [[3], [1]]))
    texts = [t for t in drawing.iter(NS + "text") if t.get("text-anchor") == "end"]
    for text in texts:  # right-aligned at x: the label's estimated width must not pass the left edge
        assert float(text.get("x")) - svg._width(text.text) >= 0, text.text
    assert texts[0].text.endswith("…") and texts[1].text == "short"


def test_legend_entries_do_not_overlap():
    names = ["Tiếng Việt", "English", "日本語", "ภาษาไทย", "Other"]
    drawing = ET.fromstring(svg.vertical_bars("t", "d", ["2026-12-01"], names, [[1, 2, 3, 4, 5]]))
    swatches = [float(r.get("x")) for r in drawing.iter(NS + "rect") if r.get("width") == "12"]
    labels = [t for t in drawing.iter(NS + "text") if t.text in names]
    for left, label, right in zip(swatches, labels, swatches[1:]):
        assert float(label.get("x")) + svg._width(label.text) <= right, label.text
