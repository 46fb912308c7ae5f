"""Development data, outside the portal's package: the demo tenants, accounts and records of
`make run` (`flask demo load`), the synthetic doctors of the benchmarks (`--doctors N`), and
`flask dev totp`. The app factory registers these commands only outside production, and the
package is not installed with the portal (pyproject.toml installs `portal` and `config`)."""
