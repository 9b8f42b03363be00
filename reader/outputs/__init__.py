"""The output layer: writers of the files a build makes (MP3 joining, ID3 chapters, M4B,
one-language and per-section tracks, sidecars, the reading page)."""
