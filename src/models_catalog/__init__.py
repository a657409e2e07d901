"""models: keep a git-backed catalog of AI models in sync with provider APIs."""

__version__ = "0.1.0"
