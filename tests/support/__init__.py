"""What the tests share: helpers, steps and constants, never fixtures (those live in the
conftest.py files) and never tests. A test module imports from here and from nothing else of
``tests`` (tests/test_layout.py checks it), so test modules can run alone, in any order, on any
xdist worker.

- ``db``: the suite's database: the application's role on PostgreSQL, the owner's
  connection, emptying the tables, reading in a tenant, snapshots, statement counts.
- ``http``: the test-client browser (CSRF tokens as a form would), log-ins, redirects.
- ``journey``: a doctor walked from sign-up to a confirmed application, codes read off the
  outbox, made-up people.
- ``officers``, ``provisioning``, ``institution``, ``imports``, ``due_dates``,
  ``rules_editor``: steps of one end or one feature shared by several test modules.
- ``routes``, ``world``, ``security``: the app's URL map and the worlds the sweeps ask it about.
- ``browser``, ``no_js``: Playwright steps (Chromium) of the browser tests.
- ``clock``: Beijing instants to travel to (time-machine; the ``beijing_noon`` fixture).
- ``migrations``, ``cluster``, ``sms_server``, ``racer``, ``figures``: migrations, servers in
  subprocesses, the SEC figures.
"""
