"""The audio layer: PCM, ffmpeg, mastering, MP3 frames and the book's timeline."""
