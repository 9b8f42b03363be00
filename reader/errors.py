"""One exception hierarchy for everything reader reports to a user.

Messages are written for the person running the command: they name the file,
the line or paragraph, what is wrong and how to fix it.
"""


class ReaderError(Exception):
    """Base of every error reader raises on purpose."""

    exit_code = 1


class InputError(ReaderError):
    """The book, a text or the configuration is wrong; the user must edit it."""

    exit_code = 2


class ConfigError(InputError):
    """book.toml or a command-line option is invalid."""


class TextError(InputError):
    """A language's text file cannot be read or parsed."""


class PairingError(InputError):
    """The two languages' paragraphs do not pair one to one."""


class EngineError(ReaderError):
    """A speech engine is unavailable or failed to synthesise."""


class EngineUnavailable(EngineError):
    """No engine in a language's chain can run here."""

    exit_code = 2


class AudioError(ReaderError):
    """ffmpeg or an MP3 stream did not behave as expected."""


class BusyError(ReaderError):
    """Another build holds the lock on the same output."""
