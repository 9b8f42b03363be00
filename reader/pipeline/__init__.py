"""The pipeline: a book's configuration and texts → clips (cached) → timeline → files."""
