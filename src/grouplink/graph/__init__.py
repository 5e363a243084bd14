"""The Graph API door: Meta's Cloud API Groups endpoints, bodies and error envelope."""
