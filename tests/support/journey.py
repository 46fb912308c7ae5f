"""A doctor's journey: codes read off the outbox, and a walk that takes a made-up doctor from
sign-up up to a submitted or confirmed application.

Everything goes through HTTP, as a browser would; the database is only read (to learn ids
and the codes the outbox would have delivered)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.institutions import Institution
from portal.registry.records import Level, Qualification
from portal.rules.registration import add_years
from portal.workflow.models import Application, Kind, State
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to

#: every material of the default list (D16): what an officer ticks before approving
ALL_MATERIALS = [
    "approval_form_x2",
    "id_card_original_and_copy",
    "qualification_certificate_original_and_copy",
    "photos_2inch_x3",
    "contract_original_and_copy",
    "institution_licence_copy",
    "local_requirements",
]
#: the same for a doctor applying with the Notice of Passing alone (D8): the notice in the certificate's place
NOTICE_MATERIALS = [m.replace("qualification_certificate", "passing_notice") for m in ALL_MATERIALS]


#: the spine's doctor (tests/journey/)
SPINE_DOCTOR = {
    "real_name": "李明华",
    "id_number": "420525198803121236",
    "phone": "13800138001",
    "email": "li@example.com",
    "username": "liminghua",
    "password": "Secret-123",
    "password_again": "Secret-123",
}


def last_message(app, recipient: str, tenant: str = "hubei") -> str:
    """The body of the latest message queued for ``recipient`` (what the phone would show)."""
    with in_tenant(app, tenant):
        msg = (
            db.session.execute(
                db.select(OutboxMessage)
                .filter_by(recipient=recipient)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert msg is not None, f"nothing was sent to {recipient}"
        return msg.body


def last_code(app, recipient: str, tenant: str = "hubei") -> str:
    """The whole body of the latest message (the spine reads the code out of it itself)."""
    return last_message(app, recipient, tenant)


def last_otp(app, recipient: str, tenant: str = "hubei") -> str:
    """The 6-digit verification code of the latest message to ``recipient`` (D3)."""
    body = last_message(app, recipient, tenant)
    return (
        re.search(r"#([0-9]{6})", body).group(1)
        if "#" in body
        else re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", body).group(1)
    )


def last_activation_code(app, recipient: str, tenant: str = "hubei") -> str:
    """The activation code of the latest message to ``recipient`` (D4)."""
    return re.search(r"[:：]\s*([A-Z2-9]{8,})", last_message(app, recipient, tenant)).group(1)


def doctor_form(
    real_name: str, id_number: str, phone: str, username: str, email: str | None = None
) -> dict:
    return {
        "real_name": real_name,
        "id_number": id_number,
        "phone": phone,
        "email": email or f"{username}@example.com",
        "username": username,
        "password": "Secret-123",
        "password_again": "Secret-123",
    }


def user_id(app, tenant: str, username: str) -> int:
    with in_tenant(app, tenant):
        return db.session.execute(db.select(User.id).filter_by(username=username)).scalar_one()


def institution_id(app, tenant: str, name_part: str) -> int:
    with in_tenant(app, tenant):
        return db.session.execute(
            db.select(Institution.id).filter(Institution.name.contains(name_part))
        ).scalar_one()


@dataclass
class Walked:
    """A doctor walked through the journey: their browser and the ids a test needs."""

    browser: Browser
    tenant: str
    form: dict
    doctor_id: int
    institution_id: int | None = None
    app_id: int | None = None


def sign_up(app, tenant: str, form: dict, htmx: bool = False) -> Browser:
    b = Browser(app.test_client(), htmx=htmx)
    b.page(f"/{tenant}/signup")
    r = b.post(f"/{tenant}/signup", form)
    assert redirected_to(r).endswith(f"/{tenant}/me")
    return b


def verify_phone(app, b: Browser, tenant: str, phone: str) -> None:
    b.page(f"/{tenant}/me/verify")
    r = b.post(f"/{tenant}/me/verify/send", {"channel": "sms"})
    assert r.status_code == 200, r.status_code
    b.page(f"/{tenant}/me/verify")
    r = b.post(
        f"/{tenant}/me/verify/check", {"channel": "sms", "code": last_otp(app, phone, tenant)}
    )
    assert redirected_to(r).endswith(f"/{tenant}/me/activate")


def name_institution(b: Browser, tenant: str, inst_id: int) -> None:
    b.page(f"/{tenant}/me/activate")
    r = b.post(f"/{tenant}/me/activate/institution", {"institution_id": str(inst_id)})
    redirected_to(r)


def activate_by_code(
    app, b: Browser, staff: Browser, tenant: str, doctor_id: int, phone: str
) -> None:
    staff.page(f"/{tenant}/institution/activations")
    r = staff.post(f"/{tenant}/institution/activations/{doctor_id}/send", {"channel": "sms"})
    assert r.status_code in (200, 303), r.status_code
    b.page(f"/{tenant}/me/activate")
    r = b.post(f"/{tenant}/me/activate/code", {"code": last_activation_code(app, phone, tenant)})
    assert redirected_to(r).endswith(f"/{tenant}/me")


def photo_file(size=(600, 800), fmt="JPEG", color="teal"):
    """An upload as the test client takes it: (stream, file name, content type)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    buffer.seek(0)
    return buffer, f"me.{fmt.lower()}", f"image/{fmt.lower()}"


def step_done(response, tenant: str, following: str) -> None:
    """A wizard step was accepted: a redirect to the next step, or (htmx) the next step itself."""
    if response.status_code == 200 and "HX-Push-Url" in response.headers:
        assert response.headers["HX-Push-Url"].endswith(f"/{tenant}/me/application/{following}")
        assert "<html" not in response.get_data(as_text=True)
        return
    assert redirected_to(response).endswith(f"/{tenant}/me/application/{following}")


def fill_wizard(
    b: Browser,
    tenant: str,
    scopes=("internal",),
    address: str = "演示省演示县演示街 1 号",
    history: tuple[str, str] = ("2012-2024 演示医院 内科", "无"),
    contract=("", ""),
) -> None:
    """Every step of the application wizard (D9), up to the review page."""
    base = f"/{tenant}/me/application"
    b.page(base + "/personal")
    step_done(b.post(base + "/personal", {"home_address": address}), tenant, "qualification")
    b.page(base + "/qualification")
    step_done(b.post(base + "/qualification", {}), tenant, "practice")
    b.page(base + "/practice")
    step_done(
        b.post(
            base + "/practice",
            {"scopes": list(scopes), "contract_start": contract[0], "contract_end": contract[1]},
        ),
        tenant,
        "history",
    )
    b.page(base + "/history")
    step_done(
        b.post(
            base + "/history", {"work_experience": history[0], "rewards_punishments": history[1]}
        ),
        tenant,
        "photo",
    )
    b.page(base + "/photo")
    r = b.post(base + "/photo", {"action": "upload", "photo": photo_file()})
    assert r.status_code == 200, r.status_code
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    step_done(b.post(base + "/photo", {"action": "use", "pending_id": pending}), tenant, "review")


def submit_application(
    app,
    b: Browser,
    tenant: str,
    doctor_id: int,
    inst_id: int,
    scope: str,
    address: str = "演示省演示县演示街 1 号",
) -> int:
    fill_wizard(b, tenant, scopes=(scope,), address=address)
    b.page(f"/{tenant}/me/application/review")
    r = b.post(f"/{tenant}/me/application/review", {})
    assert redirected_to(r).endswith(f"/{tenant}/me")
    with in_tenant(app, tenant):
        return (
            db.session.execute(
                select(Application.id)
                .filter_by(doctor_id=doctor_id)
                .order_by(Application.id.desc())
            )
            .scalars()
            .first()
        )


def walk_doctor(
    app,
    tenant: str,
    form: dict,
    *,
    until: str,
    staff: Browser | None = None,
    institution: str | None = None,
    scope: str = "internal",
    address: str = "演示省演示县演示街 1 号",
    htmx: bool = False,
) -> Walked:
    """Take a demo doctor from sign-up as far as ``until``: "signed_up", "verified",
    "named" (institution named, waiting for activation), "activated", "submitted" or
    "confirmed" (``staff`` is the institution's logged-in staff browser)."""
    steps = ["signed_up", "verified", "named", "activated", "submitted", "confirmed"]
    assert until in steps, until
    reach = steps.index(until)
    b = sign_up(app, tenant, form, htmx)
    walked = Walked(b, tenant, form, user_id(app, tenant, form["username"]))
    if reach >= 1:
        verify_phone(app, b, tenant, form["phone"])
    if reach >= 2:
        assert institution, "name the institution to walk this far"
        walked.institution_id = institution_id(app, tenant, institution)
        name_institution(b, tenant, walked.institution_id)
    if reach >= 3:
        assert staff is not None, "the institution's staff sends the activation code"
        activate_by_code(app, b, staff, tenant, walked.doctor_id, form["phone"])
    if reach >= 4:
        walked.app_id = submit_application(
            app, b, tenant, walked.doctor_id, walked.institution_id, scope, address
        )
    if reach >= 5:
        staff.page(f"/{tenant}/institution/approvals")
        redirected_to(staff.post(f"/{tenant}/institution/approvals/{walked.app_id}/confirm"))
    return walked


def resident_id(first17: str) -> str:
    """An 18-character resident ID number with the right check digit (GB 11643)."""
    from stdnum.cn import ric

    assert len(first17) == 17 and first17.isdigit()
    return first17 + ric.calc_check_digit(first17 + "0")


def messages_to(app, recipient: str, tenant: str = "hubei") -> list[str]:
    """The bodies of every message queued for ``recipient``, oldest first."""
    with in_tenant(app, tenant):
        return [
            m.body
            for m in db.session.execute(
                db.select(OutboxMessage).filter_by(recipient=recipient).order_by(OutboxMessage.id)
            ).scalars()
        ]


# ---- doctors and applications put in the database directly (dates a walk cannot give) --------

ROW_PASSWORD = "Secret-123"
#: demo doctors as rows (tests that need dates the clock would not give):
#: 王芳, assistant physician (执业助理医师 · 临床) in the demo data
ROW_WANG = {
    "username": "wangfang",
    "real_name": "王芳",
    "id_number": "420106199205142348",
    "phone": "13800138002",
}
#: 李明华, practitioner (执业医师 · 临床)
ROW_LI = {
    "username": "liminghua",
    "real_name": "李明华",
    "id_number": "420525198803121236",
    "phone": "13800138001",
}


def row_doctor(app, person: dict, institution: str = "远安") -> tuple[int, int, int]:
    """A signed-up, verified and activated doctor: (user id, qualification id, institution id)."""
    with in_tenant(app, "hubei"):
        q = (
            db.session.execute(
                select(Qualification)
                .filter_by(id_number=person["id_number"])
                .order_by(Qualification.id)
            )
            .scalars()
            .first()
        )
        inst = db.session.execute(
            select(Institution).filter(Institution.name.contains(institution))
        ).scalar_one()
        now = utcnow()
        user = User(
            username=person["username"],
            password_hash=hash_password(ROW_PASSWORD),
            role=Role.DOCTOR,
            real_name=person["real_name"],
            id_number=person["id_number"],
            phone=person["phone"],
            email=f"{person['username']}@example.com",
            phone_verified_at=now,
            identity_verified=True,
            qualification_id=q.id,
            institution_id=inst.id,
            institution_named_at=now,
            activated_at=now,
        )
        db.session.add(user)
        db.session.commit()
        return user.id, q.id, inst.id


def row_application(
    app,
    doctor_id: int,
    qualification_id: int,
    institution_id: int,
    *,
    level: Level = Level.ASSISTANT,
    state: State = State.APPROVED,
    registered_on: date | None = None,
    kind: Kind = Kind.FIRST,
    contract=None,
    previous_id: int | None = None,
    certificate_no: str | None = None,
) -> int:
    contract = contract or (date(2025, 7, 1), date(2028, 6, 30))
    with in_tenant(app, "hubei"):
        q = db.session.get(Qualification, qualification_id)
        now = utcnow()
        row = Application(
            doctor_id=doctor_id,
            kind=kind,
            level=level,
            category=q.category,
            qualification_id=q.id,
            state=state,
            institution_id=institution_id,
            scopes=["internal"],
            contract_start=contract[0],
            contract_end=contract[1],
            home_address="湖北省演示街 1 号",
            work_experience="无",
            rewards_punishments="无",
            previous_id=previous_id,
            submitted_at=now if state is not State.DRAFT else None,
            confirmed_at=now if state in (State.CONFIRMED, State.APPROVED) else None,
            certificate_no=certificate_no or ("124205250000001" if registered_on else None),
            registered_on=registered_on,
            valid_until=add_years(registered_on, 2) if registered_on else None,
            step="review",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def doctor_log_in(app, person: dict, lang: str | None = None) -> Browser:
    b = Browser(app.test_client())
    if lang:
        b.client.set_cookie("lang", lang)
    b.page("/hubei/login")
    redirected_to(
        b.post("/hubei/login", {"username": person["username"], "password": ROW_PASSWORD})
    )
    return b
