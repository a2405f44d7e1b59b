"""Manual entry of Montana requests received by fax or email (business-rules §5.1, §8.1)."""
import sqlalchemy as sa

from gateway.models import AuditEvent, CsrRequest, Lsr
from tests.conftest import set_now

FAX = {"partner": "BHW", "channel": "fax", "received_at": "2026-11-23T09:00",
       "received_zone": "America/Denver"}
MT_LSR = {"pon": "MT1", "ver": "1", "an": "900001", "cc": "B451", "npdi": "C", "reqtyp": "CB",
          "act": "V", "ddd": "2026-11-25", "agauth": "Y", "init_tel": "5419990123",
          "eu_zip": "59715", "tns": "406-555-0100"}


def test_montana_lsr_by_fax_is_checked_as_received_and_gets_an_foc(heron, montana, staff_web,
                                                                    store):
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    lsr = store.scalar(sa.select(Lsr).where(Lsr.pon == "MT1"))
    assert lsr.status == "foc" and lsr.channel == "fax" and lsr.state == "MT"
    assert lsr.received_at.isoformat() == "2026-11-23T16:00:00+00:00"  # 09:00 Mountain
    assert lsr.due_date.isoformat() == "2026-11-25"
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lsr.foc"))
    assert event.actor == "deskadmin" and event.details["channel"] == "fax"
    page = staff_web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Fax LSR PON MT1 entered: foc" in page


def test_the_same_request_sent_electronically_is_r701(heron, montana):
    body = {"ccna": "BHW", "pon": "MT9", "ver": "1", "an": "900001", "cc": "B451", "npdi": "C",
            "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "agauth": "Y",
            "init_tel": "5419990123", "eu": {"zip": "59715"}, "tns": ["4065550100"]}
    rejects = heron.post("/api/v1/lsrs", body).get_json()["rejects"]
    assert [r["code"] for r in rejects] == ["R701"] and "Montana Desk" in rejects[0]["message"]


def test_a_faxed_lsr_with_a_bad_field_is_recorded_with_its_reject(heron, montana, staff_web,
                                                                   store):
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR, "eu_zip": "59999",
                                                "agauth": "N"})
    assert resp.status_code == 302
    lsr = store.scalar(sa.select(Lsr).where(Lsr.pon == "MT1"))
    assert lsr.status == "rejected"
    assert sorted(r["code"] for r in lsr.rejects) == ["R101", "R305"]


def test_received_time_in_the_future_is_refused_and_records_nothing(heron, montana, staff_web,
                                                                    store):
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR,
                                                "received_at": "2026-11-23T11:30"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "There is a problem" in page and "in the future" in page
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0


def test_received_time_too_old_is_refused(heron, montana, staff_web, store):
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR,
                                                "received_at": "2026-10-01T09:00"})
    assert resp.status_code == 422 and "more than 30 days ago" in resp.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0


def test_a_late_fax_counts_from_the_next_business_day(app, heron, montana, staff_web,
                                                      store):
    set_now(app, "2026-11-23T16:30:00-07:00")
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR,
                                                "received_at": "2026-11-23T14:00"})
    assert resp.status_code == 302
    lsr = store.scalar(sa.select(Lsr).where(Lsr.pon == "MT1"))
    # a simple port received after the 13:00 cut-off counts from 08:00 the next business day
    assert lsr.receipt_day.isoformat() == "2026-11-24" and lsr.due_date.isoformat() == "2026-11-25"


def test_suspended_or_unknown_partner_is_refused(heron, montana, staff_web, store):
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR, "partner": "ZZZ"})
    assert resp.status_code == 422 and "Not a valid choice" in resp.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0


def test_entering_the_same_fax_twice_changes_nothing(heron, montana, staff_web, store):
    assert staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR}).status_code == 302
    again = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR}, follow_redirects=True)
    assert "already entered with this content; nothing changed" in again.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 1


def test_a_new_lsr_on_an_open_pon_is_refused_r508(heron, montana, staff_web, store):
    assert staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR}).status_code == 302
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR, "ver": "2"})
    assert resp.status_code == 422
    assert "(R508)" in resp.get_data(as_text=True)
    assert len(store.scalar(sa.select(Lsr).where(Lsr.pon == "MT1")).versions) == 1


def test_montana_csr_request_by_email_is_answered_at_once(heron, montana, staff_web, store):
    resp = staff_web.post("/staff/manual/csr", {**FAX, "channel": "email",
                                                "tn": "(406) 555-0100", "agauth": "y"})
    assert resp.status_code == 302
    req = store.scalar(sa.select(CsrRequest))
    assert req.status == "returned" and req.channel == "email"
    assert req.received_at.isoformat() == "2026-11-23T16:00:00+00:00"
    assert req.due_at.isoformat() == "2026-11-25T00:00:00+00:00"  # 17:00 Mountain, next day
    page = staff_web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "BIG SKY RANCH" in page and "Customer Service Record" in page
    assert store.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "csr.disclosed")).details["channel"] == "email"


def test_csr_request_without_authorization_is_rejected_r101(heron, montana, staff_web,
                                                            store):
    resp = staff_web.post("/staff/manual/csr", {**FAX, "tn": "4065550100"})
    assert resp.status_code == 302
    page = staff_web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "R101" in page and "BIG SKY RANCH" not in page
    assert store.scalar(sa.select(CsrRequest.status)) == "rejected"


def test_manual_entry_pages_render_with_labels_for_every_field(heron, staff_web):
    page = staff_web.get("/staff/manual/lsr").get_data(as_text=True)
    for label in ("Trading partner (sender)", "Received by", "Time zone of the received time",
                  "PON", "EU form (end user)", "PORTED NBR"):
        assert label in page
    assert 'for="received_at"' in page and 'for="eu_zip"' in page
    assert "Blue Heron Wireless (BHW)" in page
    assert "Time zone" in staff_web.get("/staff/manual/csr").get_data(as_text=True)


def test_a_faxed_chc_typed_in_lower_case_is_read_as_the_api_reads_it(heron, montana, staff_web,
                                                                      store):
    """The form upper-cases every code field (EXP was; CHC was not, so 'y' was an R602)."""
    resp = staff_web.post("/staff/manual/lsr", {**FAX, **MT_LSR, "pon": "MTC1", "chc": "y",
                                                "dfdt": "10:30", "ddd": "2026-12-10"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    lsr = store.scalar(sa.select(Lsr).where(Lsr.pon == "MTC1"))
    assert lsr.payload["chc"] == "Y"
    assert not [r for r in lsr.rejects if r["field"] in ("chc", "dfdt")], lsr.rejects


def test_a_faxed_due_date_supplement_entered_days_later_gets_no_date_in_the_past(
        heron, montana, desk):
    """§5.3 "applied last": a SUP 2 received 11-18 asking for 11-19 and entered on 11-23 gets
    the business day after it is entered, not 11-19 (four days gone)."""
    lsr = {"ccna": "BHW", "pon": "MTS1", "ver": "1", "an": "900001", "cc": "B451", "npdi": "C",
           "reqtyp": "CB", "act": "V", "ddd": "2026-12-01", "agauth": "Y",
           "init_tel": "5419990123", "eu": {"zip": "59715"}, "tns": ["4065550100"]}
    order = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-16T09:00:00-07:00",
        "lsr": lsr}).get_json()
    assert order["foc"]["due_date"] == "2026-12-01"
    sup = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-18T09:00:00-07:00",
        "lsr": {"ccna": "BHW", "pon": "MTS1", "ver": "2", "sup": "2", "ddd": "2026-11-19"}})
    assert sup.status_code == 200, sup.get_json()
    assert sup.get_json()["supplement"]["due_date"] == "2026-11-24"
    assert sup.get_json()["lsr"]["foc"]["due_date"] == "2026-11-24"
