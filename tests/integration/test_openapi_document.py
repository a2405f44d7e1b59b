"""The OpenAPI document says what the API does (issue 13 §6): each finding of the schemathesis
and generated-client runs, pinned by a fast test (the live runs are in
tests/security/test_schemathesis_live.py and tests/integration/test_generated_client.py)."""
from __future__ import annotations

import json

import jsonschema_rs  # schemathesis's validator
import pytest

from gateway import create_app
from gateway.api.openapi import OPERATIONS
from tests.conftest import EXAMPLES, _config

PDF = "JVBERi0xLjQKJSBsb2EK"  # "%PDF-1.4\n% loa\n"


def simple_port(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


@pytest.fixture(scope="module")
def document():
    app = create_app(_config("sqlite://"))
    yield app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["portgate_db"].engine.dispose()


def validate(instance, schema: dict) -> None:
    jsonschema_rs.validate(schema, instance)


def _schema(document, ref_or_schema: dict) -> dict:
    """A JSON Schema of the document's (OpenAPI 3.0 `nullable` as JSON Schema's null)."""
    return _nullables({**ref_or_schema, "components": document["components"]})


def _nullables(node):
    if isinstance(node, list):
        return [_nullables(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullables(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def test_every_table_row_is_in_the_document_with_an_operation_id(document):
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for op in OPERATIONS:
        operation = document["paths"][op.path][op.method]
        assert operation["operationId"] == op.operation_id
        assert {"401", "403", "429"} <= set(operation["responses"])


def test_every_answer_has_a_body_schema(document):
    """A generated client returns typed objects only for documented bodies (lists had none)."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    assert response["$ref"] == ("#/components/responses/RateLimited"
                                                if status == "429" else
                                                "#/components/responses/Error")
                    continue
                assert response.get("content"), (method, path, status)


def test_the_error_envelope_requires_code_and_message(document):
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    assert document["components"]["schemas"]["ErrorEnvelope"]["required"] == ["error"]


def test_an_identical_lsr_answer_200_is_documented(document):
    responses = document["paths"]["/lsrs"]["post"]["responses"]
    assert {"200", "201", "409", "404"} <= set(responses)
    refs = [o["$ref"] for o in responses["200"]["content"]["application/json"]["schema"]["oneOf"]]
    assert refs == ["#/components/schemas/LsrResponse", "#/components/schemas/SupplementResponse"]


def test_lists_document_typed_pages(document):
    for path, name in (("/lsrs", "LsrList"), ("/csr-requests", "CsrRequestList")):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}"}
        page = document["components"]["schemas"][name]
        assert set(page["required"]) == {"items", "page", "per_page", "total"}


def test_the_loa_download_declares_binary_types(document):
    content = document["paths"]["/loas/{loa_id}"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/octet-stream", "application/pdf", "image/png",
                            "image/jpeg"}
    assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values())


def test_the_dry_run_documents_that_sup_must_be_blank(document):
    sup = document["components"]["schemas"]["ValidateLsr"]["properties"]["sup"]
    assert sup["pattern"] == r"^\s*$" and sup["nullable"] is True
    assert "400" in document["paths"]["/lsrs/validate"]["post"]["responses"]


def test_the_create_links_lead_to_get_supplement_and_activate(document):
    lsr_links = document["paths"]["/lsrs"]["post"]["responses"]["201"]["links"]
    assert lsr_links["GetLsr"] == {"operationId": "getLsr",
                                   "parameters": {"lsr_id": "$response.body#/id"}}
    assert lsr_links["SupplementLsr"]["operationId"] == "supplementLsr"
    sv_links = document["paths"]["/npac/subscriptions"]["post"]["responses"]["201"]["links"]
    assert sv_links["ActivateSubscription"]["operationId"] == "activateSubscription"


def test_nullable_nested_objects_name_their_schema(document):
    foc = document["components"]["schemas"]["LsrResponse"]["properties"]["foc"]
    assert foc == {"allOf": [{"$ref": "#/components/schemas/Foc"}], "nullable": True}


def test_escalation_contacts_enumerate_the_carriers_states(document):
    state = document["paths"]["/escalation-contacts"]["get"]["parameters"][0]
    assert state["required"] is True and "OR" in state["schema"]["enum"]


@pytest.mark.parametrize("fmt", ["", "JSON", "xml"])
def test_the_audit_export_takes_exactly_the_documented_formats(desk, fmt):
    assert desk.get(f"/api/v1/staff/audit?format={fmt}").status_code == 400
    assert desk.get("/api/v1/staff/audit").status_code == 200


def test_an_undeclared_method_answers_405_with_allow(client, heron):
    resp = client.open("/api/v1/lsrs", method="PUT",
                       headers={"Authorization": f"Bearer {heron.token}"})
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert set(resp.get_json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize("sup", ["2", 2, True, [], {"x": 1}])
def test_a_dry_run_with_sup_set_of_any_type_is_refused_400(heron, sup):
    resp = heron.post("/api/v1/lsrs/validate", simple_port(sup=sup))
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("sup", [None, "", "  "])
def test_a_dry_run_with_a_blank_sup_runs(heron, sup):
    assert heron.post("/api/v1/lsrs/validate", simple_port(sup=sup)).status_code == 200


def test_an_identical_lsr_answers_200_with_the_documented_body(heron, document):
    first = heron.post("/api/v1/lsrs", simple_port())
    again = heron.post("/api/v1/lsrs", simple_port())
    assert (first.status_code, again.status_code) == (201, 200)
    operation = document["paths"]["/lsrs"]["post"]
    lsr_schema = _schema(document, {"$ref": "#/components/schemas/LsrResponse"})
    validate(again.get_json(), lsr_schema)
    listing = heron.get("/api/v1/lsrs").get_json()
    validate(listing, _schema(document, {"$ref": "#/components/schemas/LsrList"}))
    assert operation["responses"]["200"]


def test_the_loa_comes_as_octet_stream_to_a_client_that_asks_for_bytes(heron, actors, cli,
                                                                        client):
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    token = actors.token("agent")
    order = client.post("/api/v1/lsrs", headers={"Authorization": f"Bearer {token}"},
                        json=simple_port(pon="AGENT1", loa={"filename": "loa.pdf",
                                                            "content_base64": PDF})).get_json()
    url = f"/api/v1/loas/{order['loa_id']}"
    sniffed = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert sniffed.status_code == 200 and sniffed.mimetype == "application/pdf"
    octets = client.get(url, headers={"Authorization": f"Bearer {token}",
                                      "Accept": "application/octet-stream"})
    assert octets.status_code == 200 and octets.mimetype == "application/octet-stream"
    assert octets.data == sniffed.data and octets.data.startswith(b"%PDF")
