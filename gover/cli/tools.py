"""`gover tools` and `gover tools reinstall`."""

from __future__ import annotations
