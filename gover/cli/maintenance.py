"""`gover outdated`, `gover upgrade` and `gover prune`."""

from __future__ import annotations
