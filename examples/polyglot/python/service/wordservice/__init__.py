"""Word statistics over HTTP-shaped dicts (no server: the handler is a plain function)."""
from .api import handle

__all__ = ["handle"]
