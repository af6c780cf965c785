"""The distribution report: shares of the five labels in a set of appeals against the published split."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from classifier.atomic import atomic_path, prepare_folder, write_text
from classifier.errors import InputError
from classifier.i18n import DEFAULT_LANG, check_lang
from classifier.labels import LABELS, LABELS_RU, PUBLISHED_SHARES
from classifier.model import Model
from classifier.quantify import DEFAULT_METHOD, Rates, estimate_shares, point_estimate

if TYPE_CHECKING:
    from classifier.incident_report import IncidentSection
    from classifier.sheet import LabelSheet

DATE_COLUMNS = ("date", "dt", "created_at", "created", "datetime", "дата")


@dataclass(frozen=True)
class CategoryShare:
    """One label's row of the report."""

    label: str
    label_ru: str
    count: int
    share: float
    published_share: float
    corrected_share: float
    corrected_low: float
    corrected_high: float


@dataclass(frozen=True)
class ChiSquare:
    """Goodness of fit of the corrected counts to the published split."""

    statistic: float
    dof: int
    p_value: float
    basis: str = "corrected shares x n against published shares x n"


@dataclass(frozen=True)
class MonthShares:
    """Naive and corrected shares of one calendar month."""

    month: str
    n: int
    share: dict[str, float]
    corrected_share: dict[str, float]


@dataclass
class Report:
    """Everything `appeals report` writes."""

    n: int
    n_empty: int
    method: str
    categories: list[CategoryShare]
    chi_square: ChiSquare
    model: dict
    source: str = ""
    monthly: list[MonthShares] = field(default_factory=list)
    # With a labelled sample: its size, matches, the model's estimated accuracy here.
    calibration: dict | None = None
    interval_covers: str = "sampling error of the appeals only"
    # Optional: the incident section (`classifier.incident_report.incident_section`).
    incidents: IncidentSection | None = None
    # Non-empty appeals below the model's review threshold; None: the model has none.
    n_needs_review: int | None = None

    def to_dict(self) -> dict:
        """Return the JSON-ready report."""
        return asdict(self)

    def table(self, lang: str = DEFAULT_LANG) -> str:
        """Return the Markdown table of shares."""
        from classifier.report_render import markdown_table

        return markdown_table(self, check_lang(lang))

    def summary(self, lang: str = DEFAULT_LANG) -> str:
        """Return one paragraph: counts, how shares were corrected, the test against the published split."""
        from classifier.report_render import summary

        return summary(self, check_lang(lang))

    def monthly_table(self, lang: str = DEFAULT_LANG) -> str:
        """Return the Markdown table of corrected shares per month ('' with fewer than two months)."""
        from classifier.report_render import monthly_head, monthly_rows

        rows = monthly_rows(self, check_lang(lang))
        if not rows:
            return ""
        head = monthly_head(lang)
        lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])

    def monthly_note(self, lang: str = DEFAULT_LANG) -> str:
        """Return the sentence a one-month report gives instead of a monthly section, else ''."""
        from classifier.report_render import monthly_note

        return monthly_note(self, check_lang(lang))


def build_report(
    model: Model,
    texts: Sequence[str],
    *,
    dates: Sequence[str] | None = None,
    method: str = DEFAULT_METHOD,
    calibration: LabelSheet | None = None,
    ids: Sequence[str] | None = None,
    match: str = "auto",
    prior_strength: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    source: str = "",
    date_col: str = "date",
    proba: np.ndarray | None = None,
) -> Report:
    """Classify `texts` and estimate the share of each label, naive and corrected.

    With `calibration` (a labelled sheet of these appeals or of the same source), the
    correction uses the error rates the sheet measures (`classifier.calibration`) and
    `method` is not used. `source` (the file) and `date_col` name where texts and dates
    came from in errors; raise `InputError` if no text is left to count. `proba`, the
    model's probabilities of `texts` when the caller has them already, saves the model call.
    """
    texts = [str(t) for t in texts]
    where = source or "texts"
    filled = np.array([bool(t.strip()) for t in texts], dtype=bool)
    if not filled.any():
        raise InputError(
            f"{where}: no appeal has a text, nothing to report on "
            + (f"(all {len(texts)} are empty)" if texts else "(no rows)")
        )
    rates = _rates(model, method if calibration is None else "cc")
    if proba is None:
        proba = model.predict_proba(texts)
    elif len(proba) != len(texts):
        raise ValueError(f"proba: {len(proba)} rows for {len(texts)} texts")
    counts = np.bincount(proba[filled].argmax(axis=1), minlength=len(LABELS))
    n_valid = int(filled.sum())
    calibration_info = None
    if calibration is None:
        shares = estimate_shares(proba[filled], method, rates, n_boot=n_boot, seed=seed)
        estimator = _method_estimator(method, rates)
    else:
        from classifier.calibration import DEFAULT_PRIOR_STRENGTH, calibrated_shares

        strength = DEFAULT_PRIOR_STRENGTH if prior_strength is None else prior_strength
        sample, matched = _local_sample(model, calibration, texts, ids, match)
        prior_shares = _prior_shares(model, proba[filled])
        result = calibrated_shares(
            proba[filled],
            matched.truth[filled],
            sample,
            rates.confusion,
            prior_strength=strength,
            prior_shares=prior_shares,
            match=matched.mode,
            n_boot=n_boot,
            seed=seed,
        )
        shares, method = result.shares, "calibrated"
        calibration_info = {
            "sheet": str(calibration.path),
            "n_local": result.n_local,
            "n_unlabelled_in_sheet": calibration.n_unlabelled,
            "n_matched": result.n_matched,
            "match": result.match,
            "accuracy": round(result.accuracy, 4),
            "prior_strength": result.prior_strength,
            "stored_rates": "local" if model.metadata.get("adaptation") else "training corpus",
        }
        estimator = _calibrated_estimator(
            sample, matched.truth, rates.confusion, strength, prior_shares
        )
    naive = counts / max(n_valid, 1)
    categories = [
        CategoryShare(
            label=name,
            label_ru=LABELS_RU[name],
            count=int(counts[i]),
            share=float(naive[i]),
            published_share=PUBLISHED_SHARES[name],
            corrected_share=float(shares.estimate[i]),
            corrected_low=float(shares.low[i]),
            corrected_high=float(shares.high[i]),
        )
        for i, name in enumerate(LABELS)
    ]
    monthly = (
        _monthly(proba, filled, dates, estimator, where=where, date_col=date_col)
        if dates is not None
        else []
    )
    meta = model.metadata
    from classifier.review import review_threshold

    threshold = review_threshold(meta)
    return Report(
        n=len(texts),
        n_empty=int((~filled).sum()),
        n_needs_review=(
            int((proba[filled].max(axis=1) < threshold).sum()) if threshold is not None else None
        ),
        method=method,
        categories=categories,
        chi_square=_chi_square(shares.estimate, n_valid),
        model={
            "file": str(model.path.name) if model.path else None,
            "sha256": meta.get("artifact", {}).get("sha256"),
            "trained_at": meta.get("trained_at"),
            "adapted": bool(meta.get("adaptation")),
        },
        source=source,
        monthly=monthly,
        calibration=calibration_info,
        interval_covers=(
            "sampling error of the appeals and of the labelled sample"
            if calibration is not None
            else "sampling error of the appeals only, not a shift between the training corpus "
            "and these appeals"
        ),
    )


@dataclass(frozen=True)
class _Matched:
    truth: np.ndarray
    mode: str


def _local_sample(model: Model, sheet: LabelSheet, texts: list[str], ids, match: str):
    from classifier.calibration import LocalSample, match_sheet

    labelled = sheet.labelled
    sheet_texts = [sheet.texts[i] for i in labelled]
    sample = LocalSample(
        predicted=model.predict_proba(sheet_texts).argmax(axis=1),
        truth=np.array([LABELS.index(sheet.labels[i]) for i in labelled], dtype=int),
        weights=sheet.weights[labelled],
    )
    index, mode = match_sheet(
        [sheet.ids[i] for i in labelled] if sheet.ids is not None else None,
        sheet_texts,
        [str(i) for i in ids] if ids is not None else None,
        texts,
        match=match,
    )
    truth = np.where(index >= 0, sample.truth[np.maximum(index, 0)], -1)
    return sample, _Matched(truth=truth, mode=mode)


def _method_estimator(method: str, rates: Rates):
    return lambda proba, mask: point_estimate(proba[mask], method, rates)


def _prior_shares(model: Model, proba: np.ndarray) -> np.ndarray | None:
    """The default correction's shares, where the model stores what it needs."""
    rates = Rates.from_metadata(model.metadata.get("quantification"))
    if rates.missing_for(DEFAULT_METHOD) or len(proba) == 0:
        return None
    return point_estimate(proba, DEFAULT_METHOD, rates)


def _calibrated_estimator(sample, truth: np.ndarray, stored, strength: float, prior_shares):
    from classifier.calibration import calibrated_point

    def estimate(proba: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return calibrated_point(
            proba[mask].argmax(axis=1),
            truth[mask],
            sample,
            stored,
            prior_strength=strength,
            prior_shares=prior_shares,
        )[0]

    return estimate


def _rates(model: Model, method: str) -> Rates:
    rates = Rates.from_metadata(model.metadata.get("quantification"))
    lacking = rates.missing_for(method)
    if lacking:
        raise InputError(
            f"the model does not store the cross-validation rates method {method!r} needs "
            f"({lacking}); retrain it with folds >= 2, or use method 'cc' or 'pcc'"
        )
    if rates.train_prior is None:
        rates = replace(rates, train_prior=np.full(len(LABELS), 1.0 / len(LABELS)))
    return rates


def _chi_square(shares: np.ndarray, n: int) -> ChiSquare:
    from scipy.stats import chisquare

    expected = np.array([PUBLISHED_SHARES[name] for name in LABELS]) * n
    observed = np.asarray(shares) * n
    result = chisquare(observed, expected)
    return ChiSquare(float(result.statistic), len(LABELS) - 1, float(result.pvalue))


def _monthly(
    proba: np.ndarray,
    filled: np.ndarray,
    dates: Sequence[object],
    estimate,
    *,
    where: str,
    date_col: str,
) -> list[MonthShares]:
    """Shares per calendar month; a value that is not a date is an `InputError` naming file and column."""
    from classifier.cells import as_text

    values = as_text(pd.Series(list(dates), dtype=object))
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = [i + 2 for i, (d, p) in enumerate(zip(values, parsed)) if d.strip() and pd.isna(p)]
    if bad:
        raise InputError(
            f"{where}: column {date_col!r}: {len(bad)} value(s) are not dates "
            f"(rows {', '.join(map(str, bad[:10]))})"
        )
    months = parsed.dt.strftime("%Y-%m").to_numpy()
    out = []
    for month in sorted({m for m in months if isinstance(m, str)}):
        mask = (months == month) & filled
        if not mask.any():
            continue
        naive = point_estimate(proba[mask], "cc")
        corrected = estimate(proba, mask)
        out.append(
            MonthShares(
                month=month,
                n=int(mask.sum()),
                share={name: float(naive[i]) for i, name in enumerate(LABELS)},
                corrected_share={name: float(corrected[i]) for i, name in enumerate(LABELS)},
            )
        )
    return out


@dataclass(frozen=True)
class ReportFiles:
    """Paths of the files `write_report` wrote."""

    json: Path
    markdown: Path
    html: Path
    distribution_png: Path
    monthly_png: Path | None


def write_report(report: Report, out_dir: Path | str, *, lang: str = DEFAULT_LANG) -> ReportFiles:
    """Write report.json, report.md, report.html and the charts into `out_dir`, each atomically.

    The words are in `lang` ("ru", the default, or "en"); the monthly chart is drawn
    only for two or more months.
    """
    from classifier.plots import distribution_chart, monthly_chart
    from classifier.report_render import html_page, markdown

    check_lang(lang)
    out = prepare_folder(out_dir, param="out_dir")
    cats = report.categories
    png = out / "distribution.png"
    with atomic_path(png, param="out_dir") as tmp:
        distribution_chart(
            LABELS,
            [c.published_share for c in cats],
            [c.share for c in cats],
            [c.corrected_share for c in cats],
            [c.corrected_low for c in cats],
            [c.corrected_high for c in cats],
            tmp,
            lang=lang,
        )
    monthly_png = None
    if len(report.monthly) >= 2:
        monthly_png = out / "monthly.png"
        with atomic_path(monthly_png, param="out_dir") as tmp:
            monthly_chart(
                [m.month for m in report.monthly],
                {name: [m.corrected_share[name] for m in report.monthly] for name in LABELS},
                tmp,
                lang=lang,
            )
    else:
        # A chart left by an earlier report in this folder would contradict this one.
        (out / "monthly.png").unlink(missing_ok=True)
    json_path = write_text(
        out / "report.json",
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n",
        param="out_dir",
    )
    md_path = write_text(
        out / "report.md",
        markdown(report, lang, monthly_png=monthly_png.name if monthly_png else None),
        param="out_dir",
    )
    html_path = write_text(
        out / "report.html",
        html_page(report, lang, png=png, monthly_png=monthly_png),
        param="out_dir",
    )
    return ReportFiles(json_path, md_path, html_path, png, monthly_png)
