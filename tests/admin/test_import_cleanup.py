"""A2: a checked file (a pending import batch) waits 24 hours for its confirmation. After that
it cannot be confirmed (410, "upload the file again", nothing written) and it is deleted, with
an audit row: when anyone uploads a file in the tenant, and by ``flask imports purge`` (cron)
in every tenant. Imported batches and younger previews stay; another tenant's are not touched."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.columns import utcnow
from portal.extensions import db
from portal.registry.records import ImportBatch
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import redirected_to
from tests.support.imports import LINES_Q, admin_login, confirm, csv_of, qualifications, upload
from tests.support.journey import resident_id

EXPIRED = "This preview has expired: a checked file waits 24 hours for its confirmation, then it is deleted."
OTHER_Q = [f"郑新,{resident_id('42052519870101123')},H2019420000201,执业医师,临床,否,否,2019-09-01"]


def batch_id(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def age(app, batch: int, hours: float, tenant: str = "hubei") -> None:
    """As if the file had been checked ``hours`` ago."""
    with in_tenant(app, tenant):
        db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )
        db.session.commit()


def batches(app, tenant: str = "hubei") -> set[int]:
    with in_tenant(app, tenant):
        return set(db.session.execute(db.select(ImportBatch.id)).scalars())


def sha_on(b, url: str) -> str:
    return re.search(
        r'name="sha256" value="([0-9a-f]{64})"', b.page(url).get_data(as_text=True)
    ).group(1)


def test_A2_an_expired_preview_cannot_be_confirmed(demo, browser_mode):
    b = admin_login(demo)
    url = redirected_to(upload(b, csv_of(LINES_Q)))
    sha = sha_on(b, url)
    age(demo, batch_id(url), 24.1)
    if browser_mode == "htmx":
        b.htmx = True
    with unchanged(demo):
        page = b.page(url)
        assert page.status_code == 410 and EXPIRED in page.get_data(as_text=True)
        assert "/confirm" not in page.get_data(as_text=True)
        r = b.post(url + "/confirm", {"sha256": sha})
        assert r.status_code == 410 and EXPIRED in r.get_data(as_text=True)
    assert not any(no.startswith("H2020420000101") for no in qualifications(demo))
    listing = b.page("/hubei/admin/imports").get_data(as_text=True)
    assert "Expired: upload the file again" in listing


def test_A2_a_preview_younger_than_24_hours_is_confirmed(demo):
    b = admin_login(demo)
    url = redirected_to(upload(b, csv_of(LINES_Q)))
    age(demo, batch_id(url), 23.9)
    assert redirected_to(confirm(b, url)) == url
    assert "H2020420000101" in qualifications(demo)


def test_A2_a_new_preview_deletes_the_tenants_expired_ones(demo):
    b = admin_login(demo)
    old = redirected_to(upload(b, csv_of(LINES_Q)))
    sha = sha_on(b, old)
    young = redirected_to(upload(b, csv_of(OTHER_Q), name="other.csv"))
    age(demo, batch_id(old), 25)
    age(demo, batch_id(young), 20)
    gd = admin_login(demo, "gd-admin")
    gd_old = batch_id(
        redirected_to(
            upload(
                gd,
                csv_of(
                    [
                        f"冯广,{resident_id('44010419870101123')},H2019440000301,"
                        "执业医师,口腔,否,否,2019-09-01"
                    ]
                ),
                tenant="guangdong",
            )
        )
    )
    age(demo, gd_old, 30, "guangdong")

    # any upload in Hubei (here a file that repeats what is recorded: nothing new, nothing kept)
    upload(b, csv_of(["王芳,420106199205142348,H2017420000002,执业助理医师,临床,否,否,2017-09-01"]))
    assert batches(demo) == {batch_id(young)}
    assert batches(demo, "guangdong") == {gd_old}  # another tenant's waits for its own purge
    with in_tenant(demo, "hubei"):
        row = db.session.execute(
            db.select(AuditLog).filter_by(entity="import", entity_id=batch_id(old), action="expire")
        ).scalar_one()
        assert row.actor_id is None and row.note == "records.csv"

    # the deleted preview asks for the file again; nothing is written
    b.page("/hubei/admin/imports")
    with unchanged(demo):
        r = b.post(old + "/confirm", {"sha256": sha})
        assert r.status_code == 410 and EXPIRED in r.get_data(as_text=True)
        assert 'action="/hubei/admin/imports/qualifications"' in r.get_data(
            as_text=True
        )  # the upload form
        assert b.page(old).status_code == 410
    # from another tenant the id is unknown, exactly like a missing one (T3)
    gd.page("/guangdong/admin/imports")
    assert gd.page(f"/guangdong/admin{old[len('/hubei/admin') :]}").status_code == 404
    assert (
        gd.post(
            f"/guangdong/admin{old[len('/hubei/admin') :]}/confirm", {"sha256": sha}
        ).status_code
        == 404
    )
    assert b.page("/hubei/admin/imports/batches/999999").status_code == 404


def test_A2_the_same_file_after_expiry_is_checked_again_as_a_new_preview(demo):
    b = admin_login(demo)
    first = redirected_to(upload(b, csv_of(LINES_Q)))
    age(demo, batch_id(first), 48)
    second = redirected_to(upload(b, csv_of(LINES_Q)))
    assert batches(demo) == {batch_id(second)}  # a new batch (SQLite may give it the freed id)
    with in_tenant(demo, "hubei"):
        assert db.session.execute(
            db.select(AuditLog.id).filter_by(
                entity="import", entity_id=batch_id(first), action="expire"
            )
        ).scalar_one()
        assert db.session.get(ImportBatch, batch_id(second)).created_at > utcnow() - timedelta(
            minutes=5
        )
    assert redirected_to(confirm(b, second)) == second
    assert "H2020420000101" in qualifications(demo)


def test_A2_flask_imports_purge_deletes_expired_previews_in_every_tenant(demo):
    hb, gd = admin_login(demo), admin_login(demo, "gd-admin")
    hb_old = batch_id(redirected_to(upload(hb, csv_of(LINES_Q))))
    hb_done = redirected_to(upload(hb, csv_of(OTHER_Q), name="other.csv"))
    assert redirected_to(confirm(hb, hb_done)) == hb_done
    gd_old = batch_id(
        redirected_to(
            upload(
                gd,
                csv_of(
                    [
                        f"冯广,{resident_id('44010419870101123')},H2019440000301,"
                        "执业医师,口腔,否,否,2019-09-01"
                    ]
                ),
                tenant="guangdong",
            )
        )
    )
    gd_young = batch_id(
        redirected_to(
            upload(
                gd,
                csv_of(
                    [
                        f"卫东,{resident_id('44010419880101123')},"
                        "H2019440000302,执业医师,口腔,否,否,2019-09-01"
                    ]
                ),
                name="young.csv",
                tenant="guangdong",
            )
        )
    )
    for tenant, batch in (("hubei", hb_old), ("hubei", batch_id(hb_done)), ("guangdong", gd_old)):
        age(demo, batch, 26, tenant)

    result = demo.test_cli_runner().invoke(args=["imports", "purge"])
    assert result.exit_code == 0, result.output
    assert "hubei: 1 expired" in result.output and "guangdong: 1 expired" in result.output
    assert batches(demo) == {
        batch_id(hb_done)
    }  # an imported batch is the record of the import: kept
    assert batches(demo, "guangdong") == {gd_young}
    with in_tenant(demo, "guangdong"):
        assert db.session.execute(
            db.select(AuditLog.entity_id).filter_by(entity="import", action="expire")
        ).scalars().all() == [gd_old]
    again = demo.test_cli_runner().invoke(args=["imports", "purge"])
    assert again.exit_code == 0 and "0 deleted in all" in again.output
