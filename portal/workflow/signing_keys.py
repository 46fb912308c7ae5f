"""The provinces' signing keys of the e-certificate (V2): Ed25519 key pairs, one current and
any number of older ones per tenant, kept in files, never in the database.

``CERT_SIGNING_KEYS`` names a directory with one sub-directory per tenant slug::

    CERT_SIGNING_KEYS/hubei/20261207T141600Z_Kx3vQm2a.pem       private key (PKCS#8 PEM)
    CERT_SIGNING_KEYS/hubei/20250101T090000Z_Ab12Cd34.pub.pem   an old key, public part only

The file name is the key's creation time (UTC) and its key id (``kid``: the first 8 characters
of its RFC 7638 thumbprint). The newest private key signs; every key of the directory, private
or public only, is published in the tenant's JWKS, so a certificate signed by an older key
still verifies. A key is withdrawn (a leaked one) by deleting its file: every token it signed
is then refused. ``flask certificates rotate-key --tenant X`` adds a new key (and audits it).

Production refuses to start without the setting, and the app server without a key for each
tenant (portal/ops/settings.py, ``missing_tenants``). In development the keys are made on first
use under ``instance/signing-keys``; the test suite sets a temporary directory."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from portal.accounts.models import User
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.audit import audit

log = logging.getLogger(__name__)

SETTING = "CERT_SIGNING_KEYS"
#: the JWS algorithm (RFC 9864: Ed25519, the fully specified name of EdDSA over Ed25519)
ALG = "Ed25519"
_STAMP = "%Y%m%dT%H%M%SZ"


class KeyMissing(RuntimeError):
    """No signing key for the tenant, and the configuration makes none (production)."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    #: when it was made (UTC), from its file name
    created: datetime
    key: OKPKey
    #: whether this process holds the private part (only those sign)
    private: bool

    def public_jwk(self) -> dict:
        jwk = self.key.as_dict(private=False)
        return {**jwk, "kid": self.kid, "alg": ALG, "use": "sig"}


def key_directory(app=None) -> Path | None:
    """Where the keys are: CERT_SIGNING_KEYS, else (outside production) a folder of the
    instance (development) or a temporary one per app (tests that set none)."""
    app = app or current_app
    value = str(app.config.get(SETTING) or "").strip()
    if value:
        return Path(value)
    name = app.config.get("CONFIG_NAME")
    if name == "production":
        return None
    if name == "development":
        path = Path(app.instance_path) / "signing-keys"
    else:
        path = Path(app.extensions.setdefault("signing_key_tmp", tempfile.mkdtemp("-keys")))
    app.config[SETTING] = str(path)
    return path


def _tenant_dir(slug: str) -> Path:
    base = key_directory()
    if base is None:
        raise KeyMissing(f"{SETTING} is not set: no e-certificate can be signed or verified")
    return base / slug


def _load(path: Path) -> SigningKey | None:
    name = path.name
    stem = name.removesuffix(".pub.pem").removesuffix(".pem")
    stamp, sep, kid = stem.partition("_")
    try:
        if not sep or not kid:
            raise ValueError("not named TIME_KID.pem")
        created = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        key = OKPKey.import_key(path.read_bytes())
    except (ValueError, OSError, JoseError) as err:
        # never the file's content; the operator sees which file is left out, and why
        log.warning("signing key file %s left out: %s", path, type(err).__name__)
        return None
    return SigningKey(kid, created, key, not name.endswith(".pub.pem") and key.is_private)


def tenant_keys(slug: str) -> list[SigningKey]:
    """Every key of the tenant, oldest first; read again whenever its directory changes (a
    rotation by the command is seen by every running process)."""
    folder = _tenant_dir(slug)
    try:
        mtime = folder.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    cache = current_app.extensions.setdefault("signing_keys", {})
    cached = cache.get(folder)
    if cached and cached[0] == mtime:
        return cached[1]
    keys = [k for p in sorted(folder.glob("*.pem")) if (k := _load(p)) is not None]
    keys.sort(key=lambda k: (k.created, k.private))
    by_kid: dict[str, SigningKey] = {}
    for k in keys:  # a private file beats the public copy of the same key
        by_kid[k.kid] = k
    keys = sorted(by_kid.values(), key=lambda k: k.created)
    cache[folder] = (mtime, keys)
    return keys


def current_key(slug: str) -> SigningKey:
    """The newest private key of the tenant: it signs. Outside production a tenant without
    one gets one made now."""
    private = [k for k in tenant_keys(slug) if k.private]
    if private:
        return private[-1]
    if current_app.config.get("CONFIG_NAME") == "production":
        raise KeyMissing(
            f"no e-certificate signing key for tenant {slug!r}: "
            f"flask certificates rotate-key --tenant {slug}"
        )
    return make_key(slug)


def find_key(slug: str, kid: str) -> SigningKey | None:
    return next((k for k in tenant_keys(slug) if k.kid == kid), None)


def make_key(slug: str) -> SigningKey:
    """A new key pair written to the tenant's directory (private file readable by the owner
    only); from now on it signs."""
    folder = _tenant_dir(slug)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = OKPKey.generate_key("Ed25519", private=True)
    kid = key.thumbprint()[:8]
    now = datetime.now(UTC).replace(microsecond=0)
    last = [k.created for k in tenant_keys(slug)]
    if last and now <= max(last):  # two rotations within a second still order
        now = max(last) + timedelta(seconds=1)
    path = folder / f"{now.strftime(_STAMP)}_{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.as_pem(private=True))
    os.utime(folder)  # a new mtime, even on a coarse clock: every process reads the folder again
    current_app.extensions.setdefault("signing_keys", {}).pop(folder, None)
    return SigningKey(kid, now, key, True)


def rotate(tenant: Tenant, actor: User | None = None) -> SigningKey:
    """A new signing key for the tenant; the old ones stay published (audited, A8)."""
    with tenant_context(tenant.id):
        before = [k.kid for k in tenant_keys(tenant.slug)]
        new = make_key(tenant.slug)
        audit(
            "signing_key",
            tenant.id,
            "rotate_signing_key",
            actor,
            {"kids": before},
            {"kid": new.kid, "kids": [*before, new.kid]},
            note="e-certificate signing key rotated; older keys stay published (V2)",
        )
        db.session.commit()
    return new


def jwks(slug: str) -> dict:
    """The tenant's JSON Web Key Set: the public part of every key, newest first."""
    return {"keys": [k.public_jwk() for k in reversed(tenant_keys(slug))]}


def missing_tenants(app, slugs: list[str]) -> list[str]:
    """The tenants with no private signing key in CERT_SIGNING_KEYS."""
    with app.app_context():
        return [s for s in slugs if not any(k.private for k in tenant_keys(s))]
