"""Tables, queries and migrations; SQLite and PostgreSQL share one schema."""
