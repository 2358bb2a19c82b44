"""The web app: FastAPI app factory, server-rendered pages."""
