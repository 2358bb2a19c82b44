"""The REST API, ``/api/v1/…``: thin routers over the services, authenticated with API tokens."""

from fastapi import APIRouter

from luister.web.context import Web


def routes(web: Web) -> APIRouter:
    return APIRouter(prefix="/api/v1")
