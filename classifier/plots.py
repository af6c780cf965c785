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
) -> Path:
    """Write grouped bars: published, naive and corrected shares (with 95% intervals)."""
    plt = _pyplot()
    x = np.arange(len(labels))
    width = 0.27
    corrected = np.asarray(corrected)
    errors = np.vstack([corrected - np.asarray(low), np.asarray(high) - corrected]).clip(0)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.bar(x - width, np.asarray(published) * 100, width, label="published", color="#bbbbbb")
    ax.bar(x, np.asarray(naive) * 100, width, label="naive count", color="#8fb3d9")
    ax.bar(
        x + width,
        corrected * 100,
        width,
        yerr=errors * 100,
        capsize=3,
        label="corrected (95% CI)",
        color="#2a6eb5",
    )
    ax.set_xticks(x, labels)
    ax.set_ylabel("share of appeals, %")
    ax.set_title(title or "Distribution of appeals by category")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def monthly_chart(
    months: Sequence[str], shares: dict[str, Sequence[float]], path: Path, *, title: str = ""
) -> Path:
    """Write one line per label: its corrected share by month."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, values in shares.items():
        ax.plot(months, np.asarray(values) * 100, marker="o", label=label)
    ax.set_ylabel("share of appeals, %")
    ax.set_title(title or "Shares by month (corrected)")
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
