"""Moved to portal.registry.records (issue 15); this name goes once the tests import the new one."""
from portal.registry.records import *  # noqa: F401,F403
from portal.registry.records import (  # noqa: F401
    CaseStatus,
    Category,
    IdentityCase,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Level,
    PracticeRecord,
    Qualification,
)
