"""Geometry of the dashboard's server-side SVG bar charts.

The template only places what is computed here (no arithmetic in templates, no JavaScript,
no inline styles: colours come from CSS classes in ``activity/dashboard.css``).
"""

from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str
    css: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list = field(default_factory=list)
    labels: list = field(default_factory=list)  # (x, y, text, anchor)
    gridlines: list = field(default_factory=list)  # (y, text)
    maximum: int = 0


def _nice_max(value):
    """Round the axis maximum up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _day(day):
    """ "Nov 28" in the viewer's language."""
    return date_format(day, "M d")


def day_bars(rows, series, *, width=720, height=200, label_every=5):
    """Grouped vertical bars, one group per day.

    ``rows`` are dicts with a ``day`` date; ``series`` is ``[(key, label, css_class), ...]``.
    """
    left, right, top, bottom = 36, 4, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = _nice_max(max((row[key] for row in rows for key, _, _ in series), default=0))
    chart = Chart(width=width, height=height, maximum=maximum)
    if not rows:
        return chart
    group = plot_w / len(rows)
    bar_w = group * 0.8 / len(series)
    for index, row in enumerate(rows):
        x0 = left + index * group + group * 0.1
        for offset, (key, label, css) in enumerate(series):
            value = row[key]
            bar_h = plot_h * value / maximum
            chart.bars.append(
                Bar(
                    x=round(x0 + offset * bar_w, 1),
                    y=round(top + plot_h - bar_h, 1),
                    width=round(max(bar_w - 1, 1), 1),
                    height=round(bar_h, 1),
                    value=value,
                    title=_("%(day)s: %(label)s %(count)s")
                    % {"day": _day(row["day"]), "label": label, "count": value},
                    css=css,
                )
            )
        if index == len(rows) - 1:
            chart.labels.append((width - right, height - 6, _day(row["day"]), "end"))
        elif index % label_every == 0 and index < len(rows) - label_every / 2:
            chart.labels.append(
                (round(x0 + group * 0.4, 1), height - 6, _day(row["day"]), "middle")
            )
    for fraction in (0, 0.5, 1):
        value = maximum * fraction
        if value == int(value):  # no "0.5 logins" gridline on a chart whose maximum is 1
            chart.gridlines.append((round(top + plot_h - plot_h * fraction, 1), f"{value:g}"))
    return chart


def horizontal_bars(rows, *, value_key, label_key, css="bar-primary", width=400, row_h=24):
    """One horizontal bar per row, the label on the left and the value after the bar."""
    label_w, value_w = 160, 40
    plot_w = width - label_w - value_w
    maximum = max((row[value_key] for row in rows), default=0) or 1
    chart = Chart(width=width, height=max(len(rows), 1) * row_h + 4, maximum=maximum)
    for index, row in enumerate(rows):
        value = row[value_key]
        bar_w = plot_w * value / maximum
        y = index * row_h + 4
        label = str(row[label_key])
        chart.bars.append(
            Bar(
                x=label_w,
                y=y,
                width=round(max(bar_w, 1 if value else 0), 1),
                height=row_h - 8,
                value=value,
                title=_("%(label)s: %(count)s") % {"label": label, "count": value},
                css=css,
            )
        )
        text_y = y + row_h / 2
        chart.labels.append((label_w - 6, text_y, label[:28], "end"))
        chart.labels.append((round(label_w + bar_w + 4, 1), text_y, str(value), "start"))
    return chart
