"""Sales forecasting library: the store, importers, and the numbers behind every page."""

__version__ = "0.1.0"
