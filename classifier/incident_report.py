"""The report's incident section: the largest incidents, and messages vs incidents per category."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from classifier.incidents import Incident
from classifier.labels import LABELS, LABELS_RU


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

    def markdown(self) -> str:
        """Return the section in Markdown."""
        lines = [
            "## Incidents",
            "",
            f"{self.n_messages} appeals in {self.n_incidents} incidents (appeals about one "
            "problem at one place within the time window).",
            "",
            "| category | messages | share of messages | incidents | share of incidents |",
            "|---|---|---|---|---|",
        ]
        for c in self.categories:
            lines.append(
                f"| {c.label} ({c.label_ru}) | {c.messages} | {c.message_share:.1%} | "
                f"{c.incidents} | {c.incident_share:.1%} |"
            )
        lines += ["", "Largest incidents:", "", "| size | category | place | first | last | text |"]
        lines.append("|---|---|---|---|---|---|")
        for i in self.largest:
            text = " ".join(i.text.split())[:120].replace("|", "/")
            lines.append(
                f"| {i.size} | {i.category} | {i.location} | {i.first} | {i.last} | {text} |"
            )
        return "\n".join(lines)

    def html(self) -> str:
        """Return the section as HTML."""
        cats = "".join(
            f"<tr><td>{c.label}</td><td>{c.messages}</td><td>{c.message_share:.1%}</td>"
            f"<td>{c.incidents}</td><td>{c.incident_share:.1%}</td></tr>"
            for c in self.categories
        )
        largest = "".join(
            f"<tr><td>{i.size}</td><td>{i.category}</td><td>{html.escape(i.location)}</td>"
            f"<td>{i.first}</td><td>{i.last}</td><td>{html.escape(i.text[:160])}</td></tr>"
            for i in self.largest
        )
        return (
            f"<h2>Incidents</h2><p>{self.n_messages} appeals in {self.n_incidents} incidents.</p>"
            "<table><tr><th>category</th><th>messages</th><th>share of messages</th>"
            f"<th>incidents</th><th>share of incidents</th></tr>{cats}</table>"
            "<h3>Largest incidents</h3><table><tr><th>size</th><th>category</th><th>place</th>"
            f"<th>first</th><th>last</th><th>text</th></tr>{largest}</table>"
        )

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
