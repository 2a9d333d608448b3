"""The HTTP API (FastAPI, versioned under ``/api/v1``, OpenAPI at ``/docs``)."""
