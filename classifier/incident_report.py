"""The report's incident section: the largest incidents, and messages vs incidents per category."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from classifier.i18n import appeals, category_name, number, percent
from classifier.incidents import Incident
from classifier.labels import LABELS, LABELS_RU

_WORDS = {
    "ru": {
        "title": "Инциденты",
        "intro": "{messages} в {incidents} инцидентах (обращения об одной проблеме в одном "
        "месте за короткое время).",
        "head": ("категория", "обращений", "доля обращений", "инцидентов", "доля инцидентов"),
        "largest": "Крупнейшие инциденты",
        "largest_head": ("обращений", "категория", "место", "первое", "последнее", "текст"),
    },
    "en": {
        "title": "Incidents",
        "intro": "{messages} in {incidents} incidents (appeals about one problem at one place "
        "within the time window).",
        "head": ("category", "messages", "share of messages", "incidents", "share of incidents"),
        "largest": "Largest incidents",
        "largest_head": ("size", "category", "place", "first", "last", "text"),
    },
}


@dataclass(frozen=True)
class CategoryIncidents:
    """One category: its share of the messages and its share of the incidents."""

    label: str
    label_ru: str
    messages: int
    message_share: float
    incidents: int
    incident_share: float


@dataclass(frozen=True)
class IncidentSection:
    """What the report says about incidents."""

    n_messages: int
    n_incidents: int
    largest: list[Incident]
    categories: list[CategoryIncidents]

    def markdown(self, *, lang: str = "ru") -> str:
        """Return the section in Markdown, in `lang`."""
        words = _WORDS[lang]
        lines = [
            f"## {words['title']}",
            "",
            self._intro(lang),
            "",
            "| " + " | ".join(words["head"]) + " |",
        ]
        lines.append("|---" * len(words["head"]) + "|")
        for row in self._category_rows(lang):
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", f"{words['largest']}:", "", "| " + " | ".join(words["largest_head"]) + " |"]
        lines.append("|---" * len(words["largest_head"]) + "|")
        for i in self.largest:
            text = " ".join(i.text.split())[:120].replace("|", "/")
            lines.append(
                f"| {i.size} | {category_name(i.category, lang) if i.category in LABELS else i.category} "
                f"| {i.location} | {i.first} | {i.last} | {text} |"
            )
        return "\n".join(lines)

    def html(self, *, lang: str = "ru") -> str:
        """Return the section as HTML, in `lang`."""
        words = _WORDS[lang]

        def head(cells) -> str:
            return "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr>"

        cats = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self._category_rows(lang)
        )
        largest = "".join(
            f"<tr><td>{i.size}</td><td>{html.escape(category_name(i.category, lang) if i.category in LABELS else i.category)}</td>"
            f"<td>{html.escape(i.location)}</td>"
            f"<td>{i.first}</td><td>{i.last}</td><td>{html.escape(i.text[:160])}</td></tr>"
            for i in self.largest
        )
        return (
            f"<h2>{words['title']}</h2><p>{html.escape(self._intro(lang))}</p>"
            f"<table>{head(words['head'])}{cats}</table>"
            f"<h3>{words['largest']}</h3><table>{head(words['largest_head'])}{largest}</table>"
        )

    def _intro(self, lang: str) -> str:
        return _WORDS[lang]["intro"].format(
            messages=appeals(self.n_messages, lang), incidents=number(self.n_incidents, lang)
        )

    def _category_rows(self, lang: str) -> list[list[str]]:
        return [
            [
                category_name(c.label, lang),
                number(c.messages, lang),
                percent(c.message_share, lang),
                number(c.incidents, lang),
                percent(c.incident_share, lang),
            ]
            for c in self.categories
        ]

    def to_dict(self) -> dict:
        """Return the JSON-ready section."""
        return asdict(self)


def incident_section(incidents: Sequence[Incident], *, top: int = 10) -> IncidentSection:
    """Summarise incidents (`IncidentResult.incidents` or `read_incidents`) for the report."""
    messages = sum(i.size for i in incidents)
    categories = []
    for name in LABELS:
        mine = [i for i in incidents if i.category == name]
        count = sum(i.size for i in mine)
        categories.append(
            CategoryIncidents(
                label=name,
                label_ru=LABELS_RU[name],
                messages=count,
                message_share=count / messages if messages else 0.0,
                incidents=len(mine),
                incident_share=len(mine) / len(incidents) if incidents else 0.0,
            )
        )
    largest = sorted(incidents, key=lambda i: (-i.size, i.first, i.incident))[:top]
    return IncidentSection(messages, len(incidents), list(largest), categories)
