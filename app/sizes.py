"""File sizes as people read them: "48 KB", "1.5 MB" — never "48 Bytes" (binary units, the
way file managers count; anything below one KB reads "1 KB")."""
from __future__ import annotations

import math

KB = 1024
MB = KB * 1024
GB = MB * 1024


def file_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < MB:
        return f"{max(1, math.ceil(size / KB)) if size else 0} KB"
    if size < GB:
        return f"{size / MB:.3g} MB" if size < 100 * MB else f"{round(size / MB)} MB"
    return f"{size / GB:.3g} GB"
