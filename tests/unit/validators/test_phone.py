"""Contact phone numbers: whole numbers only, written as people write them."""
import pytest

from validators.phone import phone_ok


@pytest.mark.parametrize("text", ["5415550100", "(541) 555-0100", "+1 541 555 0100",
                                  "1-541-555-0100", "541.555.0100 x204", "541-555-0100 ext. 7",
                                  "+44 20 7946 0958"])
def test_whole_phone_numbers_are_accepted(text):
    assert phone_ok(text)


@pytest.mark.parametrize("text", ["541-555-01", "555", "1415550100", "5411550100",
                                  "+1 541 555 01", "54155501000", "phone", "", "+12"])
def test_partial_or_impossible_numbers_are_refused(text):
    assert not phone_ok(text)
