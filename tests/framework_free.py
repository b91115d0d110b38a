"""What "tests/workflows runs without Flask" means, in one place (standard library only)."""
from __future__ import annotations

import sys
from pathlib import Path

FRAMEWORK_FREE_TESTS = Path(__file__).resolve().parent / "workflows"
FRAMEWORKS = ("flask", "sqlalchemy", "app")  # top-level packages the workflows library must not need


def only_framework_free_tests(config) -> bool:
    """True when every path pytest was given (or found in testpaths) lies in tests/workflows."""
    paths = [Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args]
    return bool(paths) and all(p.is_relative_to(FRAMEWORK_FREE_TESTS) for p in paths)


def loaded_frameworks() -> list[str]:
    """The framework modules imported into this process so far."""
    return sorted(m for m in sys.modules if m.split(".")[0] in FRAMEWORKS)
