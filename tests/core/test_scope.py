"""Datadog's scope rules, checked before Datadog checks them, with messages that say how to fix."""

from __future__ import annotations

import pytest

from downtimes_app.core.scope import (
    BoolOp,
    Everything,
    KeyGroup,
    ScopeError,
    Term,
    check_scope,
    matches,
    parse_scope,
    plain_term,
    render,
    scope_chips,
)


@pytest.mark.parametrize(
    "scope",
    [
        "*",
        "env:prod",
        "env:prod AND service:db",
        "env:prod service:db",
        "env:(staging OR prod) AND datacenter:us-east-1",
        "host:web-*",
        "-host:web-1",
        "env:prod AND NOT service:db",
        "env:prod AND (service:db OR service:cache)",
        "env:prod AND (service:(db OR cache) AND region:eu-west-1)",
        'service:"my service"',
        "availability-zone:us-east-1a AND -env:(dev OR test)",
    ],
)
def test_valid_scopes_pass(scope):
    assert check_scope(scope) is None


@pytest.mark.parametrize(
    ("scope", "fragment", "datadog"),
    [
        (
            "BAD_SCOPE_MISSING_KEY_VALUE_FORMAT",
            "has no key: write key:value",
            "All values must have a key",
        ),
        ("env:prod AND web01", "'web01' has no key", "All values must have a key"),
        ("", "the scope is empty", None),
        (
            "host:web-?",
            "? wildcard in host:web-? is not supported; use * instead (for example host:web-*)",
            None,
        ),
        ("env:prod OR env:staging", "OR cannot join terms at the top level", None),
        ("env:prod AND ((service:a OR (service:b AND host:c)))", "nest more than 2 levels", None),
        ("env:(prod", "never closed", None),
        ("env:prod)", "without a matching (", None),
        ("env:prod AND", "nothing after it", None),
        ("AND env:prod", "needs a term on each side", None),
        ("env:", "env: has no value", None),
        (":prod", "has no key", None),
        ("* AND env:prod", "* already means everything", None),
        ("env:(prod OR)", "needs a value on each side", None),
        ("env:(prod OR service:db)", "should be a value of env, not another key", None),
        ("en*:prod", "cannot contain wildcards", None),
    ],
)
def test_invalid_scopes_explain_the_fix(scope, fragment, datadog):
    with pytest.raises(ScopeError) as caught:
        parse_scope(scope)
    assert fragment in str(caught.value)
    if datadog:
        assert caught.value.datadog == datadog


def test_parse_builds_a_tree():
    node = parse_scope("env:(staging OR prod) AND -host:db-*")
    assert node == BoolOp(
        "AND", (KeyGroup("env", "OR", ("staging", "prod")), Term("host", "db-*", negated=True))
    )
    assert parse_scope("*") == Everything()


def test_render_is_canonical_for_equivalent_spellings():
    assert render(parse_scope("env:prod   service:db")) == render(
        parse_scope("env:prod AND service:db")
    )
    assert render(parse_scope("NOT host:a")) == "-host:a"


def test_chips_split_top_level_terms_and_keep_datadogs_own_text():
    chips = scope_chips("env:(staging OR prod) AND -host:db-1   AND (a:b OR c:d)")
    assert [(c.label, c.negated) for c in chips] == [
        ("env:(staging OR prod)", False),
        ("-host:db-1", True),
        ("(a:b OR c:d)", False),
    ]


def test_chips_joined_by_spaces_keep_each_parts_text():
    assert [c.label for c in scope_chips("env:prod  NOT host:a")] == ["env:prod", "NOT host:a"]


def test_chips_of_an_invalid_scope_show_it_raw():
    assert [c.label for c in scope_chips("web01")] == ["web01"]
    assert [(c.label, c.hint) for c in scope_chips(" * ")] == [("*", "every group")]


def test_chips_of_a_negated_group_keep_the_negation():
    assert [(c.label, c.negated) for c in scope_chips("-(env:prod AND service:db)")] == [
        ("-(env:prod AND service:db)", True)
    ]
    assert [c.label for c in scope_chips("NOT (env:prod service:db)")] == [
        "NOT (env:prod service:db)"
    ]


GROUP = ("host:web-3", "env:prod", "service:payments-api", "region:us-east-1")


@pytest.mark.parametrize(
    ("scope", "muted"),
    [
        ("*", True),
        ("env:prod", True),
        ("env:staging", False),
        ("env:(staging OR prod)", True),
        ("env:(staging AND prod)", False),
        ("host:web-*", True),
        ("host:WEB-3", True),
        ("-host:web-3", False),
        ("env:prod AND -service:payments-*", False),
        ("region:us-* service:payments-api", True),
        ("NOT (env:prod AND host:web-3)", False),
        ('service:"payments-api"', True),
        ("team:payments", False),
    ],
)
def test_matches_says_whether_a_group_is_in_the_scope(scope, muted):
    assert matches(scope, GROUP) is muted


def test_matches_refuses_a_scope_datadog_refuses():
    with pytest.raises(ScopeError):
        matches("env:prod OR env:dev", GROUP)


def test_plain_term_is_one_key_value_term_that_matches_one_value():
    assert plain_term("host:web-3") == Term("host", "web-3")
    assert plain_term("@http.status_code:500") == Term("@http.status_code", "500")
    for pattern in ("host:*", "host:web?", "-host:a", "NOT host:a", "host:(a OR b)", 'host:"a"'):
        assert plain_term(pattern) is None, pattern
    for more in ("host:a AND env:b", "host:a env:b", " host:a", "(host:a)", "*", "host"):
        assert plain_term(more) is None, more
