"""The words of the distribution report in Russian or English: table, summary, Markdown, HTML.

The HTML body is shared by ``report.html`` and the analysts' page, so both show the
same figures written the same way.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.i18n import appeals, category_name, decimal, month_name, number, percent, plural
from classifier.labels import LABELS

if TYPE_CHECKING:
    from classifier.report import Report

_TEXT = {
    "ru": {
        "title": "Распределение обращений по категориям",
        "source": "Источник",
        "head": (
            "код",
            "категория",
            "обращений",
            "доля, простой подсчёт",
            "доля с поправкой (95\u00a0% ДИ)",
            "опубликованная доля",
        ),
        "monthly": "По месяцам (доли с поправкой)",
        "month": "месяц",
        "n": "обращений",
        "one_month": "Все обращения с датой относятся к одному месяцу ({month}): "
        "динамики по месяцам нет, поэтому ни таблицы, ни графика по месяцам нет.",
        "chart": "распределение по категориям",
        "chart_monthly": "доли по месяцам",
    },
    "en": {
        "title": "Distribution of appeals by category",
        "source": "Source",
        "head": (
            "label",
            "category",
            "count",
            "naive share",
            "corrected share (95% CI)",
            "published",
        ),
        "monthly": "By month (corrected shares)",
        "month": "month",
        "n": "n",
        "one_month": "All dated appeals fall in one month ({month}): there is no trend "
        "to show, so there is no monthly table or chart.",
        "chart": "distribution by category",
        "chart_monthly": "shares by month",
    },
}


def text(key: str, lang: str) -> str | tuple[str, ...]:
    """Return one of the report's fixed phrases in `lang`."""
    return _TEXT[lang][key]


def interval(low: float, high: float, lang: str) -> str:
    """Return a 95% interval of shares: ``39,5–47,5 %`` or ``39.5%–47.5%``."""
    if lang == "ru":
        return f"{decimal(low * 100, lang)}–{percent(high, lang)}"
    return f"{percent(low, lang)}–{percent(high, lang)}"


def table_rows(report: Report, lang: str) -> list[list[str]]:
    """Return the cells of the table of shares, one list per category."""
    return [
        [
            c.label,
            category_name(c.label, lang),
            number(c.count, lang),
            percent(c.share, lang),
            f"{percent(c.corrected_share, lang)} ({interval(c.corrected_low, c.corrected_high, lang)})",
            percent(c.published_share, lang, digits=0),
        ]
        for c in report.categories
    ]


def markdown_table(report: Report, lang: str) -> str:
    """Return the Markdown table of shares."""
    head = text("head", lang)
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(report, lang)]
    return "\n".join(lines)


def _p_value(p: float, lang: str) -> str:
    if p < 0.001:
        return f"p < {decimal(0.001, lang, digits=3)}"
    return f"p = {decimal(p, lang, digits=3)}"


@dataclass(frozen=True)
class SummaryParts:
    """The sentences of the summary: counts, review, how shares were corrected, the verdict."""

    counts: str
    review: str
    method: str
    verdict: str

    def text(self) -> str:
        """Return the sentences as one paragraph."""
        return " ".join(
            part for part in (self.counts, self.review, self.method, self.verdict) if part
        )


def summary(report: Report, lang: str) -> str:
    """Return the paragraph under the title: counts, how shares were corrected, the verdict."""
    return summary_parts(report, lang).text()


def summary_parts(report: Report, lang: str) -> SummaryParts:
    """Return the summary's sentences in `lang`."""
    chi = report.chi_square
    stat, p = decimal(chi.statistic, lang), _p_value(chi.p_value, lang)
    differs = chi.p_value < 0.05
    cal = report.calibration
    k = report.n_needs_review
    if lang == "ru":
        empty = (
            f"; {number(report.n_empty, lang)} с пустым текстом не входят в доли"
            if report.n_empty
            else ""
        )
        review = (
            f"{number(k, lang)} {plural(k, 'требует', 'требуют', 'требуют')} проверки "
            "человеком: уверенность модели ниже её порога проверки."
            if k is not None
            else ""
        )
        if cal:
            method = (
                f"Доли исправлены по {number(cal['n_local'], lang)} размеченным обращениям "
                f"(из них {number(cal['n_matched'], lang)} есть в этих данных и посчитаны со "
                f"своей истинной категорией); точность модели на этих обращениях — около "
                f"{percent(cal['accuracy'], lang, digits=0)}. 95-процентные интервалы учитывают "
                "случайную ошибку и обращений, и размеченной выборки."
            )
        else:
            method = (
                f"Доли исправлены с учётом ошибок классификатора (метод {report.method.upper()}, "
                "частоты ошибок измерены на обучающем корпусе). 95-процентные интервалы учитывают "
                "только случайную ошибку выборки обращений, но не различие между корпусом и "
                "этими обращениями: чтобы учесть и его, разметьте выборку этих обращений "
                "(appeals sample) и передайте её как калибровочную."
            )
        dof = f"{chi.dof} {plural(chi.dof, 'степень', 'степени', 'степеней')} свободы"
        verdict = (
            "Распределение с поправкой отличается от опубликованного: такую разницу "
            f"случайностью не объяснить (хи-квадрат {stat}, {dof}, {p})."
            if differs
            else "Распределение с поправкой значимо не отличается от опубликованного: разница "
            f"в пределах случайной (хи-квадрат {stat}, {dof}, {p})."
        )
        return SummaryParts(f"Всего {appeals(report.n, lang)}{empty}.", review, method, verdict)
    empty = (
        f" ({number(report.n_empty, lang)} with empty text left out of the shares)"
        if report.n_empty
        else ""
    )
    review = (
        f"{number(k, lang)} of them need review (confidence below the model's review threshold)."
        if k is not None
        else ""
    )
    if cal:
        method = (
            f"Shares corrected with {number(cal['n_local'], lang)} labelled appeals "
            f"({number(cal['n_matched'], lang)} of them in this data, counted with their true "
            f"label); the model's estimated accuracy on these appeals is "
            f"{percent(cal['accuracy'], lang, digits=0)}. The 95% bootstrap intervals cover the "
            "sampling error of the appeals and of the labelled sample."
        )
    else:
        method = (
            f"Shares corrected for classifier error by {report.method.upper()} with error rates "
            "measured on our training corpus. The 95% bootstrap intervals cover the sampling "
            "error of the appeals only, not a shift between our corpus and these appeals: label "
            "a sample of them (appeals sample) and pass it as the calibration sheet to correct "
            "for that."
        )
    verdict = (
        "differs from the published split: chance does not explain a difference this large"
        if differs
        else "does not differ significantly from the published split: the difference is "
        "within chance"
    )
    verdict = (
        f"The corrected distribution {verdict} (chi-square {stat}, {chi.dof} degrees of "
        f"freedom, {p})."
    )
    return SummaryParts(f"{appeals(report.n, lang)}{empty}.", review, method, verdict)


def monthly_note(report: Report, lang: str) -> str:
    """Return the sentence that replaces the monthly section of a one-month report, else ''."""
    if len(report.monthly) != 1:
        return ""
    return text("one_month", lang).format(month=month_name(report.monthly[0].month, lang))


def monthly_rows(report: Report, lang: str) -> list[list[str]]:
    """Return the cells of the monthly table (two or more months), one list per month."""
    if len(report.monthly) < 2:
        return []
    return [
        [month_name(m.month, lang), number(m.n, lang)]
        + [percent(m.corrected_share[name], lang) for name in LABELS]
        for m in report.monthly
    ]


def monthly_head(lang: str) -> list[str]:
    """Return the header of the monthly table."""
    return [text("month", lang), text("n", lang)] + [category_name(n, lang) for n in LABELS]


def markdown(report: Report, lang: str, *, monthly_png: str | None = None) -> str:
    """Return report.md."""
    lines = [f"# {text('title', lang)}", ""]
    if report.source:
        lines += [f"{text('source', lang)}: `{report.source}`.", ""]
    lines += [summary(report, lang), "", markdown_table(report, lang), ""]
    lines.append(f"![{text('chart', lang)}](distribution.png)")
    rows = monthly_rows(report, lang)
    if rows:
        head = monthly_head(lang)
        lines += ["", f"## {text('monthly', lang)}", "", "| " + " | ".join(head) + " |"]
        lines.append("|---" * len(head) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        if monthly_png:
            lines += ["", f"![{text('chart_monthly', lang)}]({monthly_png})"]
    elif monthly_note(report, lang):
        lines += ["", monthly_note(report, lang)]
    if report.incidents is not None:
        lines += ["", report.incidents.markdown(lang=lang)]
    return "\n".join(lines) + "\n"


def image(path: Path, alt: str) -> str:
    """Return an <img> with the PNG inline, so the HTML is one self-contained file."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def html_body(
    report: Report, lang: str, *, png: Path | None = None, monthly_png: Path | None = None
) -> str:
    """Return the report as an HTML fragment: summary, table, charts, months, incidents."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in text("head", lang))
    rows = "".join(
        f'<tr data-label="{c.label}">'
        + "".join(
            f'<td class="{cls}">{html.escape(cell)}</td>'
            for cls, cell in zip(
                ("code", "name", "count", "naive", "corrected", "published"), row, strict=True
            )
        )
        + "</tr>"
        for c, row in zip(report.categories, table_rows(report, lang), strict=True)
    )
    said = summary_parts(report, lang)
    parts = [
        f'<div class="summary"><p class="verdict"><strong>{html.escape(said.verdict)}</strong></p>'
        f'<p class="counts">{html.escape(" ".join(x for x in (said.counts, said.review) if x))}</p>'
        f'<p class="method">{html.escape(said.method)}</p></div>',
        f'<table class="shares"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>',
    ]
    if png is not None:
        parts.append(image(png, text("chart", lang)))
    monthly = monthly_rows(report, lang)
    if monthly:
        mhead = "".join(f"<th>{html.escape(h)}</th>" for h in monthly_head(lang))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in monthly
        )
        parts.append(
            f"<h2>{html.escape(text('monthly', lang))}</h2>"
            f'<table class="monthly"><thead><tr>{mhead}</tr></thead><tbody>{body}</tbody></table>'
        )
        if monthly_png is not None:
            parts.append(image(monthly_png, text("chart_monthly", lang)))
    elif monthly_note(report, lang):
        parts.append(f'<p class="monthly-note">{html.escape(monthly_note(report, lang))}</p>')
    if report.incidents is not None:
        parts.append(report.incidents.html(lang=lang))
    return "\n".join(parts)


STYLE = (
    "body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    "td:first-child,td:nth-child(2),th{text-align:left}img{max-width:100%}"
)


def html_page(
    report: Report, lang: str, *, png: Path | None = None, monthly_png: Path | None = None
) -> str:
    """Return report.html: one self-contained page."""
    title = html.escape(text("title", lang))
    source = f"<p>{html.escape(report.source)}</p>" if report.source else ""
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head>\n<body><h1>{title}</h1>{source}\n"
        f"{html_body(report, lang, png=png, monthly_png=monthly_png)}\n</body></html>\n"
    )
