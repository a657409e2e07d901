"""Provider modules for `models sync`: each fetches, parses and translates one models API."""
