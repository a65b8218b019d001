"""Where the project's data folders live.

The rule files, report templates and bundled profiles are kept at the top of the repository (the client's
layout) rather than inside the Python package, so the package finds them relative to its own checkout.
``SENDCHECK_HOME`` overrides that for an installation that keeps them elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME = Path(os.environ.get("SENDCHECK_HOME", Path(__file__).resolve().parent.parent))
RULES_DIR = HOME / "rules"
TEMPLATES_DIR = HOME / "reports" / "templates"
FIXTURES_DIR = HOME / "fixtures"
PROFILES_DIR = FIXTURES_DIR / "profiles"
