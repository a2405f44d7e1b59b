"""CSR, order, supplement, profile and partner-administration forms."""
import io

from werkzeug.datastructures import FileStorage

from forms.csr import CsrRequestForm
from forms.orders import CancelForm, DueDateForm, EscalationForm, OrderSearchForm
from forms.partner_admin import (
    AgentGrantForm,
    ContactForm,
    RoleForm,
    TokenForm,
    UserCreateForm,
    WebhookForm,
)
from forms.profile import ProfileForm, zone_choices

TEXT = "I affirm that my company holds the end user's authorization."


def _csr(posted, data, agent=False, files=None):
    with posted(data, files):
        form = CsrRequestForm(ccnas=["BHW"], attestation_text=TEXT, agent=agent)
        return form, form.validate()


def test_csr_form_carries_the_exact_attestation_text_and_requires_it(posted):
    form, ok = _csr(posted, {"tn": "(541) 555-0142", "ccna": "BHW"})
    assert form.attestation.label.text == TEXT
    assert not ok and "attestation" in form.errors
    form, ok = _csr(posted, {"tn": "(541) 555-0142", "ccna": "BHW", "attestation": "y"})
    assert ok and form.tn.data == "5415550142"


def test_csr_form_refuses_a_bad_tn_and_a_bad_account_number(posted):
    form, ok = _csr(posted, {"tn": "123", "an": "88-42", "ccna": "BHW", "attestation": "y"})
    assert not ok and {"tn", "an"} <= set(form.errors)


def test_agents_must_attach_an_loa_of_at_most_5_mb(posted):
    form, ok = _csr(posted, {"tn": "5415550142", "ccna": "BHW", "attestation": "y"}, agent=True)
    assert not ok and "R102" in form.errors["loa"][0]
    big = FileStorage(io.BytesIO(b"%PDF-" + b"0" * (5 * 1024 * 1024)), filename="loa.pdf")
    form, ok = _csr(posted, {"tn": "5415550142", "ccna": "BHW", "attestation": "y"},
                    agent=True, files={"loa": big})
    assert not ok and "5 MB" in form.errors["loa"][0]


def test_order_search_normalizes_the_tn_and_refuses_reversed_dates(form_app):
    with form_app.test_request_context("/?tn=541-555-0142&date_from=2026-11-20&date_to=2026-11-19"):
        from flask import request

        form = OrderSearchForm(request.args)
        assert not form.validate()
        assert form.tn.data == "5415550142" and "date_to" in form.errors
    with form_app.test_request_context("/?status=stolen"):
        from flask import request

        form = OrderSearchForm(request.args)
        assert not form.validate() and "status" in form.errors


def test_supplement_forms_need_a_well_formed_ver_a_date_and_a_confirmation(posted):
    with posted({"ver": "!!", "ddd": "soon"}):
        form = DueDateForm()
        assert not form.validate() and {"ver", "ddd"} <= set(form.errors)
    with posted({"ver": "2"}):
        form = CancelForm()
        assert not form.validate() and "confirm" in form.errors
    with posted({"reason": "bribe", "text": ""}):
        form = EscalationForm()
        assert not form.validate() and {"reason", "text"} <= set(form.errors)


def test_profile_form_offers_real_time_zones_and_checks_the_email(posted):
    zones = dict(zone_choices())
    assert zones and list(zones)[0] == "America/Los_Angeles" and "Europe/Paris" in zones
    with posted({"email": "not-an-email", "timezone": "Mars/Olympus"}):
        form = ProfileForm()
        assert not form.validate() and {"email", "timezone"} <= set(form.errors)
    with posted({"email": "sam@example.net", "timezone": "America/Denver"}):
        assert ProfileForm().validate()


def test_new_user_needs_privileges_or_a_named_role(posted):
    with posted({"username": "sam", "email": "sam@example.net", "role": "partner_user",
                 "access": "privileges"}):
        form = UserCreateForm()
        form.set_roles([])
        assert not form.validate() and "privileges" in form.errors
    with posted({"username": "sam", "email": "sam@example.net", "role": "partner_user",
                 "access": "named_role", "named_role": "0"}):
        form = UserCreateForm()
        form.set_roles([])
        assert not form.validate() and "named_role" in form.errors
    with posted({"username": "s m", "email": "sam@example.net", "role": "staff",
                 "access": "privileges", "privileges": "view"}):
        form = UserCreateForm()
        form.set_roles([])
        assert not form.validate() and {"username", "role"} <= set(form.errors)


def test_admin_forms_check_their_fields(posted):
    with posted({"name": "", "privileges": []}):
        assert not RoleForm().validate()
    with posted({"name": "Ops", "email": "ops@example.net", "phone": "call me", "types": "foc"}):
        form = ContactForm()
        assert not form.validate() and "phone" in form.errors
    with posted({"url": "https://hooks.example.net/x", "secret": "short"}):
        form = WebhookForm()
        assert not form.validate() and "secret" in form.errors
    with posted({"agent_ccna": "AC", "privileges": "csr"}):
        assert "agent_ccna" in (lambda f: (f.validate(), f.errors)[1])(AgentGrantForm())
    with posted({"user_id": "7", "name": "OSS", "expires_on": "tomorrow"}):
        form = TokenForm()
        form.user_id.choices = [(7, "sam")]
        assert not form.validate() and "expires_on" in form.errors
