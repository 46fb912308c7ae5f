"""What user-facing text must not say (issue 14)."""

from __future__ import annotations

import re

#: a requirement code of SPEC.md/docs/requirements.md in brackets, "(R1)", "（R1、F12）", "(SEC5)":
#: codes stay in code comments and docs, never in what a user reads
REQUIREMENT_CODE = re.compile(
    r"[(（]\s*(?:SEC|[A-Z])\d{1,2}(?:\s*[,，、]\s*(?:SEC|[A-Z])\d{1,2})*\s*[)）]"
)
