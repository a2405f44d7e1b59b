"""The carrier profile carries the port-out desk phone told to end users (business-rules §1.2,
`enduser_phone`, default 503-555-0199)."""
from validators.carrier_profile import DEFAULT_PROFILE, CarrierProfile


def test_the_default_profile_has_the_end_user_desk_phone():
    assert DEFAULT_PROFILE["enduser_phone"] == "503-555-0199"
    profile = CarrierProfile.from_dict()
    assert profile.enduser_phone == "503-555-0199"
    assert "enduser_phone" not in profile.extra


def test_a_profile_file_can_set_the_end_user_desk_phone():
    assert CarrierProfile.from_dict({"enduser_phone": "208-555-0100"}).enduser_phone == \
        "208-555-0100"
