"""The reject that locks an account says so (§4.5): no fifth wrong guess in the dark."""
import json

from tests.conftest import EXAMPLES


def simple(**changes):
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def test_the_fifth_wrong_passcode_says_the_account_is_now_locked(heron):
    for n in range(4):
        rejects = heron.post("/api/v1/lsrs", simple(pon=f"PC{n}", passcode="0000")
                             ).get_json()["rejects"]
        assert [r["code"] for r in rejects] == ["R306"]
        assert "locked" not in rejects[0]["message"]
    fifth = heron.post("/api/v1/lsrs", simple(pon="PC4", passcode="0000")).get_json()
    [r306] = [r for r in fifth["rejects"] if r["code"] == "R306"]
    assert "now locked until" in r306["message"] and "R308" in r306["message"]
    order = heron.get(f"/api/v1/lsrs/{fifth['id']}").get_json()
    assert "now locked until" in order["rejects"][0]["message"]
