"""The TNs an LSR's facts are read for: cleaned once, and the facts rows' TN lists in order."""
from __future__ import annotations

from collections import namedtuple

from gateway.services.orders.facts import _Found
from gateway.services.orders.request import CleanTns, LsrRequest, clean_tns


def test_clean_tns_keeps_distinct_ten_digit_strings_in_order():
    cleaned = clean_tns(["5415550002", 5415550003, "5415550001", "5415550002", "541555",
                         None, {"tn": "5415550004"}, "5415550004"])
    assert cleaned == ["5415550002", "5415550001", "5415550004"]
    assert isinstance(cleaned, CleanTns)


def test_cleaning_a_cleaned_list_again_returns_it_as_it_is():
    cleaned = clean_tns(["5415550002", "5415550001"])
    assert clean_tns(cleaned) is cleaned
    assert clean_tns(list(cleaned)) == cleaned and clean_tns(list(cleaned)) is not cleaned


def test_a_request_cleans_its_tns_once():
    req = LsrRequest.parse({"tns": ["5415550002", "bad", "5415550002", "5415550001"]})
    assert req.clean_tns == ["5415550002", "5415550001"]
    assert req.clean_tns is req.clean_tns


Row = namedtuple("Row", "kind key t1")


def test_an_accounts_tn_statuses_are_read_in_tn_order():
    found = _Found()
    found.add(Row("tns", "A1", "5415550003:working,5415550001:disconnected,5415550002:working"))
    assert list(found.statuses["A1"].items()) == [
        ("5415550001", "disconnected"), ("5415550002", "working"), ("5415550003", "working")]
