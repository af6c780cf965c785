"""Files of appeals uploaded on the analysts' page: one job each, in a temporary folder that expires.

A job's folder holds the upload (deleted as soon as it is read), the classified file
(XLSX and CSV), the report files and the labelling sheet. A job that is finished
expires `ttl` seconds later and its folder is deleted then, at the latest when the
service stops; the folders live under `root` (by default a fresh folder in the
system's temporary directory, `tempfile.gettempdir()`).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# How long the files of a finished job can be downloaded.
DEFAULT_TTL_S = 3600.0
# Jobs kept at once (running or waiting for their download): bounds disk and memory.
DEFAULT_MAX_JOBS = 20


class TooManyJobs(Exception):
    """Every slot is taken by a job that has not expired."""


@dataclass(eq=False)
class Job:
    """One uploaded file: its state, progress and results."""

    id: str
    folder: Path
    filename: str
    lang: str
    created: float = field(default_factory=time.time)
    state: str = "reading"  # reading, classifying, reporting, done, failed
    total: int = 0
    done: int = 0
    message: str = ""
    finished: float | None = None
    # Download name -> file in `folder`.
    files: dict[str, Path] = field(default_factory=dict)
    report: Any = None
    report_html: str = ""
    # Kept in memory for a report with a calibration sheet and for a labelling sheet.
    appeals: Any = None
    proba: Any = None
    calibration: str = ""

    def finish(self, state: str, message: str = "") -> None:
        """Mark the job done or failed; its expiry clock starts now."""
        self.state, self.message, self.finished = state, message, time.time()

    def status(self) -> dict:
        """Return what the page shows: state, progress, message, report and downloads."""
        return {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "total": self.total,
            "done": self.done,
            "message": self.message,
            "calibration": self.calibration,
            "files": sorted(self.files, key=_download_order),
            "report": self.report.to_dict() if self.report is not None else None,
            "report_html": self.report_html,
        }


class JobStore:
    """The jobs of one service process, each in its own folder under `root`."""

    def __init__(
        self,
        *,
        root: Path | str | None = None,
        ttl: float = DEFAULT_TTL_S,
        max_jobs: int = DEFAULT_MAX_JOBS,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs}")
        self.ttl = ttl
        self.max_jobs = max_jobs
        self._own_root = root is None
        # Made on the first upload: an app that is built and never started leaves nothing.
        self.root: Path | None = None if root is None else Path(root)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def create(self, filename: str, lang: str) -> Job:
        """Start a job for an upload; raise `TooManyJobs` when every slot is taken."""
        self.sweep()
        with self._lock:
            if len(self._jobs) >= self.max_jobs:
                raise TooManyJobs(f"{len(self._jobs)} files are being processed or kept")
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="appeals-page-"))
            self.root.mkdir(parents=True, exist_ok=True)
            job_id = secrets.token_urlsafe(16)
            folder = self.root / job_id
            folder.mkdir(mode=0o700)
            job = Job(id=job_id, folder=folder, filename=filename, lang=lang)
            self._jobs[job_id] = job
            return job

    def get(self, job_id: str) -> Job | None:
        """Return a job that has not expired, else None."""
        self.sweep()
        with self._lock:
            return self._jobs.get(job_id)

    def discard(self, job: Job) -> None:
        """Forget a job now and delete its folder (an upload that could not be read)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def expired(self, job: Job, now: float | None = None) -> bool:
        """Whether a finished job's files are past their download time."""
        now = time.time() if now is None else now
        return job.finished is not None and now - job.finished > self.ttl

    def sweep(self, now: float | None = None) -> int:
        """Delete the expired jobs and their folders; return how many."""
        with self._lock:
            gone = [job for job in self._jobs.values() if self.expired(job, now)]
            for job in gone:
                del self._jobs[job.id]
        for job in gone:
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(gone)

    def close(self) -> None:
        """Delete every job's folder (and the root, when the store made it)."""
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            shutil.rmtree(job.folder, ignore_errors=True)
        if self._own_root and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)


async def sweep_forever(store: JobStore, *, every: float | None = None) -> None:
    """Delete expired jobs every `every` seconds (default: a tenth of the ttl, at most 60 s)."""
    every = min(60.0, store.ttl / 10) if every is None else every
    while True:
        await asyncio.sleep(every)
        store.sweep()


# The classified file first, then the report, then the rest, as the page lists them.
_ORDER = ("classified.xlsx", "classified.csv", "report.html", "report.md", "report.json")


def _download_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)
