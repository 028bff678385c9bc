"""``python -m service.rasa_server run ...``: Rasa's own command line, with service.rasa_speedups applied first.

The launcher starts the Rasa server through this module so the fix is in
place before any message is handled; every argument goes to Rasa unchanged.
"""

from __future__ import annotations

from rasa.__main__ import main

from service import rasa_speedups

if __name__ == "__main__":
    rasa_speedups.apply()
    main()
