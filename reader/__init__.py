"""reader: turn parallel texts into bilingual audiobooks with chapters."""

__version__ = "0.1.0"
