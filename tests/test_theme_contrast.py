"""The light and dark themes of static/css/app.css are readable: each text colour an agent
reads on its background reaches WCAG AA (4.5:1; 3:1 for the focus ring, which is not text).
The colours are read from the CSS variables of both themes, so a bad edit fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static/css/app.css").read_text()

# (text, background): every pair the staff screens put together
TEXT_PAIRS = [
    ("ink", "bg"),
    ("ink", "card"),
    ("ink", "field"),
    ("ink", "hover"),
    ("ink", "current"),
    ("ink-soft", "card"),
    ("muted", "bg"),
    ("muted", "card"),
    ("muted", "hover"),
    ("muted", "current"),
    ("muted", "chip"),
    ("link", "bg"),
    ("link", "card"),
    ("link", "current"),
    ("link", "field"),
    ("topbar-ink", "topbar"),
    ("search-ink", "search-bg"),
    ("primary-ink", "primary"),
    ("brand-ink", "brand"),
    ("ink", "selected"),
    ("link", "selected"),
    ("muted", "selected"),
    ("muted", "flash"),
    ("ok", "card"),
    ("warn", "card"),
    ("on-warn", "warn"),
    ("ink", "dl-warn"),
    ("bad", "card"),
    ("bad", "danger-bg"),
    ("bad", "field"),
    ("ink", "chip"),
    ("ink", "flash"),
    ("ink", "flash-ok"),
    ("ink", "flash-bad"),
    ("ink", "notice"),
    ("ink", "mark"),
    ("ink", "note"),
    ("note-accent", "card"),
    ("ink", "st-new"),
    ("ink", "st-open"),
    ("ink", "st-pending"),
    ("ink", "st-hold"),
    ("ink", "st-done"),
    ("dl-ok-ink", "dl-ok"),
    ("dl-warn-ink", "dl-warn"),
    ("dl-bad-ink", "dl-bad"),
    ("dl-paused-ink", "dl-paused"),
    ("dl-met-ink", "card"),
    ("count-ink", "count"),
]
# Not text: the keyboard focus ring must stand out from what it surrounds (WCAG 1.4.11).
RING_PAIRS = [("focus", "bg"), ("focus", "card"), ("topbar-ink", "topbar")]


def variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))


def block_after(selector: str) -> str:
    start = CSS.index(selector + " {")
    return CSS[start : CSS.index("}", start)]


LIGHT = variables(block_after(":root"))
DARK_SYSTEM = variables(block_after(":root.themed:not([data-theme=light])"))
DARK_CHOSEN = variables(block_after(":root.themed[data-theme=dark]"))
THEMES = {"light": LIGHT, "dark": DARK_SYSTEM}


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratio_is_computed_as_wcag_defines_it():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_dark_theme_is_the_same_whether_chosen_or_followed_from_the_system():
    assert DARK_SYSTEM == DARK_CHOSEN


def test_every_colour_is_defined_in_both_themes():
    assert set(DARK_SYSTEM) == set(LIGHT)
    assert luminance(DARK_SYSTEM["bg"]) < 0.05 < 0.8 < luminance(LIGHT["bg"])


@pytest.mark.parametrize("theme", THEMES)
def test_text_reaches_wcag_aa_on_its_background(theme):
    colours = THEMES[theme]
    failing = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in TEXT_PAIRS
        if contrast(colours[fg], colours[bg]) < 4.5
    }
    assert failing == {}


@pytest.mark.parametrize("theme", THEMES)
def test_the_focus_ring_stands_out(theme):
    colours = THEMES[theme]
    failing = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in RING_PAIRS
        if contrast(colours[fg], colours[bg]) < 3
    }
    assert failing == {}
