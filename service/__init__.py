"""The FastAPI service: a thin HTTP layer over graphkit."""
