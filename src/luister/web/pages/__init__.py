"""The web pages, one router per area; each is built by ``routes(web)``."""
