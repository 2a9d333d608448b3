"""Placeholder router."""

from fastapi import APIRouter


def build_router() -> APIRouter:
    """Routes."""
    return APIRouter()
