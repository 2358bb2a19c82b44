"""The sources pages."""

from fastapi import APIRouter

from luister.web.context import Web


def routes(web: Web) -> APIRouter:
    return APIRouter()
