"""Every state change goes through this package: one module per state machine or concern.

- ``applications``: submit, confirm, reject, expire; the due date and the paper materials
- ``commission``: approve, return, refuse, the city's filing, due dates counted again
- ``activation``: naming the institution, activation by code or automatically; ``takeover``:
  the paper registration taken over (F17); ``records``: a practice record's institution
- ``modifications``, ``filings`` (sharing ``decisions``): requests on a registration
- ``identity``, ``accounts``, ``account_changes``, ``provisioning`` (institutions' accounts),
  ``commission_accounts`` (the province's own), ``codes``: accounts
- ``imports`` (with ``import_check``), ``rules``, ``reminders``: the administrator's imports
  and rules, reminders
- ``history``, ``register``: what the ends read of applications and of the public register
- ``locks`` (every transition takes its row, A9), ``conflicts`` (what the loser is told),
  ``audit`` (A8)

Each transition checks the current state under the row's lock (``WrongState``, ``Decided``),
makes the change, writes the audit row (A8) and queues the notification (SEC7), and commits
all three in ONE transaction.
"""

from portal.workflow.locks import Decided, WrongState

__all__ = ["Decided", "WrongState"]
