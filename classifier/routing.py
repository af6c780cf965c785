"""Routing and deadlines: which body handles each label, and by when, from a TOML file.

    [housing]
    body = "Жилищный комитет"
    deadline_hours = 72
    urgent_deadline_hours = 4     # optional: the deadline of an urgent appeal

One table per label (`classifier.labels.LABELS`), each with ``body`` (text) and
``deadline_hours`` (a positive number), optionally ``urgent_deadline_hours``. A
config with a missing or unknown label, a missing or unknown key, or a bad value is
refused with a `ConfigError` naming the file and the key. See docs/routes.example.toml.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from classifier.errors import ConfigError, InputError
from classifier.labels import LABELS

KEYS = ("body", "deadline_hours", "urgent_deadline_hours")
_DAY_FIRST = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")


@dataclass(frozen=True)
class Route:
    """Where appeals of one label go and how many hours the body has to answer."""

    body: str
    deadline_hours: float
    urgent_deadline_hours: float | None = None


@dataclass(frozen=True)
class Assignment:
    """The route of one appeal: the body, the hours allowed, the deadline (ISO 8601) if known."""

    body: str
    hours: float
    deadline: str | None


@dataclass(frozen=True)
class Routes:
    """A route per label, read from a TOML file with `load_routes`."""

    routes: dict[str, Route]
    source: str = "routes"

    def assign(
        self, label: str, *, urgent: bool | None = False, received_at: object = None
    ) -> Assignment:
        """Return the body and deadline of an appeal with `label` received at `received_at`."""
        route = self.routes[label]
        hours = route.deadline_hours
        if urgent and route.urgent_deadline_hours is not None:
            hours = route.urgent_deadline_hours
        received = parse_received(received_at)
        deadline = None
        if received is not None:
            deadline = (received + timedelta(hours=hours)).isoformat(timespec="seconds")
        return Assignment(body=route.body, hours=hours, deadline=deadline)


def parse_received(value: object) -> datetime | None:
    """Return `value` (datetime, date, ISO 8601 or dd.mm.yyyy text) as a datetime; None if blank."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp; NaT is caught above or below
        if str(value) == "NaT":
            return None
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        for pattern in _DAY_FIRST:
            try:
                return datetime.strptime(text, pattern)
            except ValueError:
                continue
    raise InputError(
        f"received_at: {value!r} is not a date and time (use ISO 8601, e.g. 2025-01-31T09:30)"
    )


def _hours(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{where} must be a positive number of hours, got {value!r}")
    return float(value)


def routes_from_dict(data: dict, source: str = "routes") -> Routes:
    """Return the `Routes` of parsed TOML `data`; `source` (the file) names it in errors."""
    unknown = [key for key in data if key not in LABELS]
    if unknown:
        raise ConfigError(
            f"{source}: [{unknown[0]}] is not a label; the tables are {', '.join(LABELS)}"
        )
    missing = [name for name in LABELS if name not in data]
    if missing:
        raise ConfigError(f"{source}: no table [{missing[0]}]; every label needs a route")
    routes = {}
    for name in LABELS:
        table = data[name]
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {name} must be a table [{name}], got {table!r}")
        extra = [key for key in table if key not in KEYS]
        if extra:
            raise ConfigError(
                f"{source}: {name}.{extra[0]} is not a known key (known: {', '.join(KEYS)})"
            )
        body = table.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ConfigError(f"{source}: {name}.body must be a non-empty text, got {body!r}")
        if "deadline_hours" not in table:
            raise ConfigError(f"{source}: {name}.deadline_hours is missing")
        urgent = table.get("urgent_deadline_hours")
        routes[name] = Route(
            body=body.strip(),
            deadline_hours=_hours(table["deadline_hours"], f"{source}: {name}.deadline_hours"),
            urgent_deadline_hours=(
                None
                if urgent is None
                else _hours(urgent, f"{source}: {name}.urgent_deadline_hours")
            ),
        )
    return Routes(routes=routes, source=source)


def load_routes(path: Path | str) -> Routes:
    """Read and check a routes TOML file; raise `ConfigError` naming the file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: routes file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the routes file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return routes_from_dict(data, source=str(path))


def as_routes(routes: Routes | Path | str) -> Routes:
    """Return `routes` itself, or the routes of the TOML file it names."""
    return routes if isinstance(routes, Routes) else load_routes(routes)
