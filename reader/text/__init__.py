"""The text layer: texts into paragraphs, paragraphs into pairs; alignment and import. Pure
except where a function reads a file."""
