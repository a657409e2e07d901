"""Syncing provider model files with the providers' model APIs."""
