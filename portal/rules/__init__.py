"""The portal's rules as pure functions over plain data: no Flask, no database.

Each takes the tenant's merged rule settings (``portal.tenants.rules_for``) where the rule
depends on them. Tests in ``tests/rules/`` name the FAQ item each one comes from.
"""
