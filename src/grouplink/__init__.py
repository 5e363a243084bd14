"""grouplink: a self-hosted group invite-link server."""

__version__ = "0.1.0"
