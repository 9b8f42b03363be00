"""reader: turn parallel texts into bilingual audiobooks with chapters."""

import os

__version__ = "0.2.0"

# reader runs its own worker processes (and threads for network engines); OpenBLAS's
# thread pool on top of them only oversubscribes the cores. Set before numpy loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
