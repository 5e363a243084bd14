"""The Graph API door: Meta's Cloud API Groups endpoints, bodies and error envelope."""

# Registers the {version:graph_version} path segment before any route here is built.
import grouplink.paths  # noqa: F401
