"""The app of ``bench/journey.py`` as gunicorn serves it (``--server gunicorn``): the same
settings as its in-process server, on the database file it prepared (JOURNEY_DATABASE_URL)."""

import os

from bench.journey_world import app_settings
from portal import create_app

app = create_app("testing", app_settings(os.environ["JOURNEY_DATABASE_URL"]))
