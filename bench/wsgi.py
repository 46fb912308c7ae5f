"""The portal as ``bench/server.py`` serves it under gunicorn: production settings from the
environment (PORTAL_CONFIG=production, SECRET_KEY, DATABASE_URL, TRUSTED_PROXIES), with only the
refusal of SQLite and of per-process rate limits switched off (portal/ops/settings.py), so the
benchmark also runs on a temporary SQLite file without Redis."""

from portal import create_app

app = create_app("production", {"REFUSE_UNSAFE_SETTINGS": False})
