"""The web app's pages, server-rendered; ``luister.app.create_app`` mounts them beside the API."""

from luister.web.app import install

__all__ = ["install"]
