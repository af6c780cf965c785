"""Charts for evaluation and distribution reports, written as PNG files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def confusion_heatmap(
    confusion: Sequence[Sequence[int]], labels: Sequence[str], path: Path, *, title: str = ""
) -> Path:
    """Write the confusion matrix (rows: true, columns: predicted) as a heatmap of row shares."""
    plt = _pyplot()
    counts = np.asarray(confusion, dtype=float)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(labels)):
        for j in range(len(labels)):
            color = "white" if shares[i, j] > 0.6 else "black"
            ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", color=color)
    fig.colorbar(image, ax=ax, label="share of the true label")
    ax.set_title(title or "Confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


_CHART_TEXT = {
    "ru": {
        "published": "опубликованная доля",
        "naive": "простой подсчёт",
        "corrected": "с поправкой (95\u00a0% ДИ)",
        "ylabel": "доля обращений, %",
        "title": "Распределение обращений по категориям",
        "monthly": "Доли категорий по месяцам (с поправкой)",
    },
    "en": {
        "published": "published",
        "naive": "naive count",
        "corrected": "corrected (95% CI)",
        "ylabel": "share of appeals, %",
        "title": "Distribution of appeals by category",
        "monthly": "Shares by month (corrected)",
    },
}


def _percent_axis(ax, lang: str) -> None:
    """Tick labels with the language's decimal mark."""
    from matplotlib.ticker import FuncFormatter

    from classifier.i18n import decimal

    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: decimal(v, lang, digits=0 if float(v).is_integer() else 1))
    )


def distribution_chart(
    labels: Sequence[str],
    published: Sequence[float],
    naive: Sequence[float],
    corrected: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    path: Path,
    *,
    title: str = "",
    lang: str = "ru",
) -> Path:
    """Write grouped bars: published, naive and corrected shares (with 95% intervals)."""
    from classifier.i18n import category_name

    plt = _pyplot()
    words = _CHART_TEXT[lang]
    x = np.arange(len(labels))
    width = 0.27
    corrected = np.asarray(corrected)
    errors = np.vstack([corrected - np.asarray(low), np.asarray(high) - corrected]).clip(0)
    fig, ax = plt.subplots(figsize=(8, 4.4))
    ax.bar(x - width, np.asarray(published) * 100, width, label=words["published"], color="#bbbbbb")
    ax.bar(x, np.asarray(naive) * 100, width, label=words["naive"], color="#8fb3d9")
    ax.bar(
        x + width,
        corrected * 100,
        width,
        yerr=errors * 100,
        capsize=3,
        label=words["corrected"],
        color="#2a6eb5",
    )
    names = [
        category_name(label, lang).replace(" / ", "\n").replace(" и ", "\nи ") for label in labels
    ]
    ax.set_xticks(x, names)
    ax.set_ylabel(words["ylabel"])
    _percent_axis(ax, lang)
    ax.set_title(title or words["title"])
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def monthly_chart(
    months: Sequence[str],
    shares: dict[str, Sequence[float]],
    path: Path,
    *,
    title: str = "",
    lang: str = "ru",
) -> Path:
    """Write one line per label: its corrected share by month (for two or more months)."""
    from classifier.i18n import category_name, month_name

    if len(months) < 2:
        raise ValueError(f"months: a monthly chart needs two or more months, got {len(months)}")
    plt = _pyplot()
    words = _CHART_TEXT[lang]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    x = np.arange(len(months))
    for label, values in shares.items():
        ax.plot(x, np.asarray(values) * 100, marker="o", label=category_name(label, lang))
    ax.set_xticks(x, [month_name(m, lang) for m in months])
    ax.set_ylabel(words["ylabel"])
    ax.set_ylim(bottom=0)
    _percent_axis(ax, lang)
    ax.set_title(title or words["monthly"])
    ax.grid(axis="y", alpha=0.3)
    # Outside the plot: five lines cross each other, a legend inside would hide some.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    if len(months) > 6:
        fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
