"""migrant-desk: a local, multilingual service desk for migrants in Korea."""

__version__ = "0.1.0"
