"""The bare Flask page of ``bench/server.py`` (SPEC P6): one route rendering one Jinja template
of about the byte size asked (``?bytes=``), no database, no session, no extension. Served by
gunicorn with the portal's own settings (config/gunicorn.py) so the two compare."""

from pathlib import Path

from flask import Flask, render_template, request

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))

ROW = 80  # bytes of one rendered row, about


@app.get("/bare")
def bare():
    size = min(max(request.args.get("bytes", 8000, type=int), 0), 1_000_000)
    return render_template("bare.html", rows=range(size // ROW))
