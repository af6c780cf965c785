"""The HTTP API: `create_app` builds the FastAPI app (see `classifier.service.app`).

    uvicorn --factory classifier.service:create_app     # or: appeals serve

Modules: `app` (endpoints, schemas), `auth` (the API token), `limits` (request-body
limit), `access_log` (JSON logs), `batcher` (pooling concurrent requests into one model
call), `protocols` (uvicorn's own 400 answers in JSON, used by `appeals serve`),
`page` (the analysts' page at `/` and its /v1/jobs endpoints) and `jobs` (its uploads,
in temporary folders that expire).
"""

from classifier.service.app import MAX_BATCH, MAX_BODY_BYTES, MAX_TEXT_CHARS, TOKEN_ENV, create_app

__all__ = ["MAX_BATCH", "MAX_BODY_BYTES", "MAX_TEXT_CHARS", "TOKEN_ENV", "create_app"]
