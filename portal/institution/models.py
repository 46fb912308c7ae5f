"""Moved to portal.registry.institutions (issue 15); this name goes once the tests import the new one."""
from portal.registry.institutions import Institution, InstitutionCheck, InstitutionLevel  # noqa: F401
