"""LSR batches in the portal (business-rules §12): template, preview, send, progress, results."""
import csv
import io

import pytest
import sqlalchemy as sa

from tests.batch_helpers import csv_file, lsr, park_accounts
from tests.conftest import LOA, Web


@pytest.fixture
def park(cli, tmp_path, heron):
    return park_accounts(cli, tmp_path, 3)


def preview(web, data: bytes, name="park.csv"):
    return web.post("/portal/batches/preview", data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_template_csv_has_the_batch_columns_and_parses_as_a_batch(web):
    resp = web.get("/portal/batches/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    from gateway.services.batches.files import parse_csv

    lsrs = parse_csv(resp.data)
    assert len(lsrs) == 1 and lsrs[0].body["tns"] == ["5415550142", "5415550143"]
    assert next(csv.reader(io.StringIO(resp.get_data(as_text=True))))[-1] == "tn"


def test_upload_previews_the_rows_and_records_nothing_until_confirmed(web, park):
    data = csv_file([{"pon": f"PK{i}", "an": an, "tn": tn} for i, (an, tn) in enumerate(park)])
    resp = preview(web, data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "3 LSRs with 3 TNs" in page and "PK0" in page and "PK2" in page
    assert web.get("/portal/batches").get_data(as_text=True).count("Batch ") == 0


def test_bad_file_is_shown_on_the_upload_form(web):
    resp = preview(web, b"pon,colour\nA,red\n")
    assert resp.status_code == 422
    assert "Unknown column" in resp.get_data(as_text=True)


def test_confirmed_batch_shows_progress_then_results_and_csv(web, park, cli):
    data = csv_file([{"pon": f"PK{i}", "an": an, "tn": tn} for i, (an, tn) in enumerate(park)])
    page = preview(web, data).get_data(as_text=True)
    csv_text = page.split('name="csv_text" type="hidden" value="')[1].split('"')[0]
    import html

    sent = web.post("/portal/batches", data={"csv_text": html.unescape(csv_text),
                                             "filename": "park.csv"})
    assert sent.status_code == 302
    url = sent.headers["Location"]
    queued = web.get(url).get_data(as_text=True)
    assert 'value="0"' in queued and "0</span> of 3 LSRs answered" in queued
    assert web.get(url + "/progress.json").get_json()["status"] == "queued"

    code, out = cli("work", "--once")
    assert code == 0, out
    progress = web.get(url + "/progress.json").get_json()
    assert (progress["status"], progress["done"], progress["outcomes"]["created"]) == \
        ("done", 3, 3)
    done = web.get(url).get_data(as_text=True)
    assert done.count("badge created") == 3 and "PK1" in done
    rows = list(csv.reader(io.StringIO(web.get(url + "/results.csv").get_data(as_text=True))))
    assert rows[0] == ["pon", "outcome", "order_number", "status", "due_date", "reject_codes"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("PK0", "created", "foc"),
                                                      ("PK1", "created", "foc"),
                                                      ("PK2", "created", "foc")]


def test_another_partners_batch_page_is_404(web, park, actors, client, heron):
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": [{"pon": "X"}]}).get_json()
    assert web.get(f"/portal/batches/{batch['id']}").status_code == 200
    actors.partner(ccna="OTR", name="Other", spids=("O111",))
    actors.user("other", partner="OTR")
    other = Web(client)
    other.get("/logout")
    client.post("/logout")
    other.login("other")
    assert other.get(f"/portal/batches/{batch['id']}").status_code == 404
    assert other.get(f"/portal/batches/{batch['id']}/progress.json").status_code == 404


def test_agents_results_csv_blanks_an_order_it_may_not_read(client, agent, cli, park, store):
    """§1.1.1: an agent approved for `lsr` alone does not read the orders it sends; its batch's
    page and results CSV keep the PON and outcome and show nothing of the order."""
    from gateway.models import Lsr

    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr")[0] == 0
    batch = agent.post("/api/v1/lsr-batches", {"lsrs": [lsr("AGWEB", *park[0], loa=LOA)]})
    assert batch.status_code == 202
    code, out = cli("work", "--once")
    assert code == 0, out
    order_number = store.scalar(sa.select(Lsr.order_number).where(Lsr.pon == "AGWEB"))
    assert order_number
    web = Web(client)
    web.login("agent")
    url = f"/portal/batches/{batch.get_json()['id']}"
    page = web.get(url).get_data(as_text=True)
    assert "AGWEB" in page and order_number not in page
    resp = web.get(url + "/results.csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[1:] == [["AGWEB", "created", "", "", "", ""]]
    assert order_number not in resp.get_data(as_text=True)
