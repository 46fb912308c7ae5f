"""Thin views of the doctor's end: parse the form, call a service or the workflow, render."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import workflow
from portal.accounts import credential_limit, password_set_limit, start_session
from portal.accounts.codes import CodeError, verify
from portal.accounts.models import CodePurpose
from portal.columns import BEIJING, local_today
from portal.doctor import bp, services
from portal.doctor.forms import (
    ActivationCodeForm,
    ChooseInstitutionForm,
    CodeForm,
    SendCodeForm,
    SignupForm,
)
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.inputs import posted_row
from portal.registry.institutions import Institution
from portal.registry.records import find_practice_record
from portal.rules.registration import practice_years
from portal.tenants import rules_for, rules_for_application
from portal.tenants.models import Region
from portal.workflow import activation, applications, offices
from portal.workflow import codes as account_services
from portal.workflow import signup as signup_workflow
from portal.workflow.accounts import confirm_contact
from portal.workflow.drafts import STEPS
from portal.workflow.models import State


@bp.route("/signup", methods=["GET", "POST"])
@credential_limit
@password_set_limit
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        # the same answer whether or not the user name or ID number exists (workflow.signup)
        user = signup_workflow.sign_up(
            real_name=form.real_name.data,
            id_number=form.id_number.data,
            phone=form.phone.data,
            email=form.email.data,
            username=form.username.data,
            password=form.password.data,
        )
        start_session(user)
        return redirect_to(url_for("doctor.home"))
    status = 422 if form.errors or any(f.errors for f in form) else 200
    retention = rules_for(g.tenant)["retention"]  # the notice's periods (issue 14)
    return render("doctor/signup.html", "form_block", status=status, form=form, retention=retention)


def _application_context(app, among=None):
    if app is None:
        return {}
    ctx = {}
    if app.registered_on:  # R3, A6: valid until the day fixed by the rules it was approved under
        ctx["practice_years"] = practice_years(app.registered_on, local_today())
        ctx["valid_until"] = app.valid_until
        # D14, F14: the time at the institution (an assistant's counts from the assistant registration)
        ctx["practice_time"] = services.practice_time_of(
            app, local_today(), rules_for_application(app), among
        )
    if app.state in (State.CONFIRMED, State.APPROVED):
        # the institution, its county and city in one query, not three (P6); held here while
        # the materials are worked out (the session keeps only weak references)
        institution = (
            db.session.get(
                Institution,
                app.institution_id,
                options=[joinedload(Institution.county).joinedload(Region.parent)],
            )
            if app.institution_id is not None
            else None
        )
        rules = rules_for_application(
            app
        )  # A6: the paper materials of the version it was submitted under
        ctx.update(
            materials=applications.required_materials(app, rules),
            material_labels=rules["materials"]["labels"],
            # D16/A5: the office that decides, where the materials go (issue 12)
            office=offices.materials_office(app, g.tenant),
        )
        del institution
    return ctx


@bp.get("/me")
def home():
    history = services.applications_of(current_user)  # one statement for the four questions below
    open_app = services.open_application(current_user, history)
    registration = services.current_registration(current_user, history)
    app = open_app or registration or services.last_decided(current_user, history)
    # D5: a registration made before the portal, shown until one is approved here
    record = None
    if registration is None:
        record = find_practice_record(current_user.real_name, current_user.id_number)
    record_years = practice_years(record.registered_on, local_today()) if record else 0
    exam = services.exam_years(
        registration, local_today()
    )  # R5: an assistant's years toward the exam
    return render(
        "doctor/home.html",
        app=app,
        State=State,
        record=record,
        record_years=record_years,
        open_app=open_app,
        registration=registration,
        exam=exam,
        # issue 16: the wizard's links name the step itself (doctor.application redirects)
        wizard_step=open_app.step if open_app and open_app.step in STEPS else STEPS[0],
        # A3: whose officers handle the case, once the contact is proved (D3): until then the
        # account is not settled (an ID number another account holds goes to the commission
        # then, issue 14), and the page is the same whatever the ID number typed
        case=(
            services.open_identity_case(current_user)
            if current_user.contact_verified and not current_user.identity_verified
            else None
        ),
        ended=services.lapsed_or_cancelled(current_user, local_today(), history),
        **_application_context(app, history),
    )


# ---- D3: phone or email verification -----------------------------------------------------


def _channel() -> str:
    return "email" if request.values.get("channel") == "email" else "sms"


@bp.get("/me/verify")
def verify_contact():
    if current_user.contact_verified:
        return redirect_to(url_for("doctor.home"))
    return render(
        "doctor/verify.html",
        channel=_channel(),
        send_form=SendCodeForm(),
        form=CodeForm(),
        sent=False,
    )


@bp.post("/me/verify/send")
def send_contact_code():
    channel = _channel()
    form = SendCodeForm()
    if not form.validate_on_submit():
        abort(400)
    code_form = CodeForm(formdata=None)
    try:
        wait = account_services.send_contact_code(current_user, channel, g.tenant)
    except CodeError as err:
        code_form.code.errors = [err.message()]  # an unvalidated field has a tuple
        return render(
            "doctor/verify.html",
            "code_block",
            status=429,
            channel=channel,
            send_form=form,
            form=code_form,
            sent=False,
        )
    return render(
        "doctor/verify.html",
        "code_block",
        channel=channel,
        send_form=form,
        form=code_form,
        sent=True,
        wait=wait,
        wait_until=_clock_time_in(wait),
    )


def _clock_time_in(seconds: int | None) -> str:
    """The Beijing clock time ``seconds`` from now (issue 14: with JS off the page says when
    another code may be asked for, not a fixed wait that goes stale)."""
    return (datetime.now(BEIJING) + timedelta(seconds=seconds or 0)).strftime("%H:%M:%S")


@bp.post("/me/verify/check")
def check_contact_code():
    channel = _channel()
    form = CodeForm()
    purpose = CodePurpose.VERIFY_PHONE if channel == "sms" else CodePurpose.VERIFY_EMAIL
    if form.validate_on_submit():
        try:
            verify(current_user, purpose, form.code.data, rules_for(g.tenant)["codes"])
        except CodeError as err:
            form.code.errors.append(err.message())
        else:
            confirmed = confirm_contact(current_user, channel, g.tenant)
            flash(
                _("Your mobile number is verified.")
                if channel == "sms"
                else _("Your email address is verified.")
            )
            if confirmed.username_wanted:
                flash(
                    _(
                        "The user name %(wanted)s cannot be yours: as many accounts as allowed hold it, or "
                        "one that holds it has the password you chose. Your user name is %(name)s. Log in "
                        "with it from now on.",
                        wanted=confirmed.username_wanted,
                        name=current_user.username,
                    )
                )
            return redirect_to(url_for("doctor.activate"))
    return render(
        "doctor/verify.html",
        "code_block",
        status=422,
        channel=channel,
        send_form=SendCodeForm(),
        form=form,
        sent=True,
    )


# ---- D4: activation ------------------------------------------------------------------------


def _needs_verified_contact():
    if not current_user.contact_verified:
        return redirect_to(url_for("doctor.verify_contact"))
    return None


@bp.get("/me/activate")
def activate():
    if (r := _needs_verified_contact()) is not None:
        return r
    if current_user.activated_at:
        return redirect_to(url_for("doctor.home"))
    q = request.args.get("q", "").strip()[:50]
    found = []
    if q:
        found = (
            db.session.execute(
                db.select(Institution)
                .where(Institution.name.contains(q, autoescape=True))
                .order_by(Institution.name)
                .limit(20)
            )
            .scalars()
            .all()
        )
    return render(
        "doctor/activate.html",
        "search_block",
        q=q,
        found=found,
        choose_form=ChooseInstitutionForm(),
        form=ActivationCodeForm(),
        record=activation.record_to_take_over(current_user),  # D5: where to activate
    )


@bp.post("/me/activate/institution")
def choose_institution():
    if (r := _needs_verified_contact()) is not None:
        return r
    form = ChooseInstitutionForm()
    institution = posted_row(Institution, form.institution_id.data, form.validate_on_submit())
    try:
        auto = activation.name_institution(current_user, institution, g.tenant)
    except activation.NotWhereRegistered as exc:  # D5, L2: a pre-portal doctor, elsewhere
        db.session.rollback()
        return render(
            "doctor/activate.html",
            status=422,
            q="",
            found=[],
            choose_form=ChooseInstitutionForm(),
            form=ActivationCodeForm(),
            record=exc.record,
            refused=institution,
        )
    except workflow.WrongState:
        return redirect_to(url_for("doctor.home"))
    if auto:
        flash(
            _(
                "%(name)s activates accounts automatically: your account is active.",
                name=institution.name,
            )
        )
        return redirect_to(url_for("doctor.home"))
    return redirect_to(url_for("doctor.activate"))


@bp.post("/me/activate/code")
def enter_activation_code():
    form = ActivationCodeForm()
    if current_user.activated_at:
        return redirect_to(url_for("doctor.home"))
    if form.validate_on_submit():
        try:
            verify(
                current_user, CodePurpose.ACTIVATION, form.code.data, rules_for(g.tenant)["codes"]
            )
        except CodeError as err:
            form.code.errors.append(err.message(activation=True))
        else:
            activation.activate(current_user, None, "code")
            flash(_("Your account is activated."))
            return redirect_to(url_for("doctor.home"))
    return render(
        "doctor/activate.html",
        "code_block",
        status=422,
        q="",
        found=[],
        choose_form=ChooseInstitutionForm(),
        form=form,
        record=None,
    )
