"""The output layer: writers of the files a build makes (MP3 joining, ID3 chapters, M4B,
one-language and per-section tracks, sidecars, the reading page), and the names of the
formats (kept here, free of the writers' imports, for the CLI's help)."""

#: Formats `reader build --formats` accepts; "mp3" is the bilingual MP3 + manifest,
#: which every build writes (the other outputs are made from it).
FORMATS = ("mp3", "m4b", "tracks", "vtt", "json", "html", "lrc", "lrcw", "apkg", "epub")
#: The cheap outputs. The M4B re-encodes the whole book to AAC (about 64x
#: realtime: 9 minutes for a 10-hour book, on every change), and the
#: one-language tracks and the EPUB (which holds the MP3) double the disk space;
#: they are asked for by name.
DEFAULT_FORMATS = ("mp3", "vtt", "json", "html")
#: The feed's settings kept in the output folder (the CLI's options win over it).
FEED_SETTINGS_FILE = "feed.toml"
#: The feed's Apple category when neither the CLI nor feed.toml names one.
DEFAULT_CATEGORY = "Education/Language Learning"
