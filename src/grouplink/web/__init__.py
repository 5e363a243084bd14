"""The people's door: the link page, sign-in by phone, and their templates and static files."""
