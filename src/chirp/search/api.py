"""Search routes."""

from fastapi import APIRouter

router = APIRouter(tags=["search"])
