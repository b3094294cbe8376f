"""X searches may name the Department's own accounts as operator values; nobody else's."""

from __future__ import annotations

import pytest

from rumordesk.base.guardrails import user_targeting_operators

OWN = frozenset({"@SantaClaraPD", "SCPD_PIO"})


@pytest.mark.parametrize(
    "query",
    [
        "to:SantaClaraPD shooting",
        "mentions:@santaclarapd lockdown",
        "from:scpd_pio threat",
        "@SantaClaraPD is there a shooter at Levi's?",
    ],
)
def test_the_departments_accounts_are_allowed_as_operator_values(query):
    assert user_targeting_operators(query, allowed_handles=OWN, own_account_operators=True) == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("to:someone shooting", ["to:"]),
        ("from:SantaClaraPDX threat", ["from:"]),  # a look-alike is someone else
        ("-from:SantaClaraPD shooting", ["-from:"]),  # excluding is selecting by account too
        ("url:santaclaraca.gov", ["url:"]),
        ("list:SantaClaraPD", ["list:"]),
        ("conversation_id:123 to:SantaClaraPD", ["conversation_id:"]),
        ("to:SantaClaraPD @neighbour", ["@neighbour"]),
    ],
)
def test_everyone_else_stays_refused(query, found):
    assert user_targeting_operators(query, allowed_handles=OWN, own_account_operators=True) == found


def test_without_the_x_flag_operators_stay_refused_even_for_own_accounts():
    assert user_targeting_operators("to:SantaClaraPD", allowed_handles=OWN) == ["to:"]
