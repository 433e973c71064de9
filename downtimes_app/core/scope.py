"""Pure functions for Datadog downtime scopes: parse, check, and describe.

The rules are Datadog's (its downtime docs): terms are `key:value`; `AND`, `OR`, parentheses
and `-` (or `NOT`) negation; `*` wildcards inside values but not `?`; at most two levels of
parentheses; no `OR` joining terms at the top level (alternatives for one key go in parentheses,
`env:(prod OR staging)`); `*` alone means everything.

`parse_scope` raises `ScopeError` whose `str()` says what is wrong and how to fix it, and whose
`datadog` attribute holds the message Datadog itself answers with (used by the sandbox).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_DEPTH = 2
OPERATORS = ("AND", "OR", "NOT")


class ScopeError(ValueError):
    def __init__(self, message: str, *, datadog: str | None = None) -> None:
        super().__init__(message)
        self.datadog = datadog or f"Invalid scope: {message}"


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    value: str  # may contain * wildcards
    negated: bool = False


@dataclass(frozen=True, slots=True)
class KeyGroup:
    """`key:(a OR b)`: alternatives (or conjunctions) of values for one key."""

    key: str
    op: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Everything:
    pass


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "AND" or "OR"
    items: tuple[Node, ...]
    negated: bool = False


Node = Term | KeyGroup | Everything | BoolOp

_TOKEN = re.compile(r'\s+|\(|\)|"(?:[^"\\]|\\.)*"?|[^\s()"]+(?:"(?:[^"\\]|\\.)*"?)?')


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """The scope's tokens, each with where it stands in the text (start, end)."""
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:  # pragma: no cover - the pattern matches every character class
            raise ScopeError(f"cannot read the scope at {text[position:]!r}")
        token = match.group(0)
        if token.strip():
            tokens.append((token, match.start(), match.end()))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        located = _tokens(text)
        self.tokens = [token for token, _, _ in located]
        self.places = [(start, end) for _, start, end in located]
        self.index = 0
        self.depth = 0
        # Where each top-level AND-joined part stands in the text: (start, end) character offsets.
        self.parts: list[tuple[int, int]] = []

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.expression(top=True)
        if self.peek() is not None:
            token = self.peek()
            if token == ")":
                raise ScopeError("there is a ) without a matching (")
            raise ScopeError(f"unexpected {token!r}")  # pragma: no cover - defensive
        return node

    def expression(self, top: bool = False) -> Node:
        items = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            if top:
                raise ScopeError(
                    "OR cannot join terms at the top level: give alternatives for one key in "
                    "parentheses, for example env:(prod OR staging)",
                    datadog="Invalid scope: OR is not supported at the top level",
                )
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def conjunction(self) -> Node:
        items = [self.part()]
        while True:
            token = self.peek()
            if token == "AND":
                self.take()
                items.append(self.part())
            elif token is not None and token not in (")", "OR"):
                items.append(self.part())  # whitespace means AND, as in Datadog search
            else:
                break
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def part(self) -> Node:
        """One AND-joined part; at the top level, where its text stands is kept."""
        first = self.index
        node = self.unary()
        if self.depth == 0 and self.index > first:
            self.parts.append((self.places[first][0], self.places[self.index - 1][1]))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ScopeError("the scope ends with an operator that has nothing after it")
        if token in ("AND", "OR"):
            raise ScopeError(f"{token} needs a term on each side")
        if token == "NOT" or token == "-":
            self.take()
            return _negate(self.unary())
        if token == ")":
            raise ScopeError("there is a ) without a matching (")
        if token == "(":
            return self.group()
        self.take()
        negated = False
        if token.startswith("-") and len(token) > 1:
            negated, token = True, token[1:]
        if token.endswith(":") and self.peek() == "(":
            node: Node = self.key_group(token[:-1])
        else:
            node = _term(token)
        return _negate(node) if negated else node

    def open_parenthesis(self) -> None:
        self.take()  # (
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ScopeError(
                f"parentheses nest more than {MAX_DEPTH} levels deep; flatten the scope",
                datadog="Invalid scope: too many levels of nesting",
            )

    def group(self) -> Node:
        self.open_parenthesis()
        if self.peek() == ")":
            raise ScopeError("() is empty")
        node = self.expression()
        if self.peek() != ")":
            raise ScopeError("a ( is never closed: add the missing )")
        self.take()
        self.depth -= 1
        return node

    def key_group(self, key: str) -> Node:
        _check_key(key)
        self.open_parenthesis()
        values: list[str] = []
        ops: set[str] = set()
        while True:
            token = self.peek()
            if token is None:
                raise ScopeError(f"{key}:( is never closed: add the missing )")
            if token == ")":
                break
            if token in ("(", "NOT") or token.startswith("-"):
                raise ScopeError(f"inside {key}:( ) list plain values joined by OR or AND")
            if ":" in token.strip('"'):
                raise ScopeError(
                    f"{token!r} inside {key}:( ) should be a value of {key}, not another key"
                )
            self.take()
            if token in ("AND", "OR"):
                if not values or self.peek() in (")", None, "AND", "OR"):
                    raise ScopeError(f"{token} inside {key}:( ) needs a value on each side")
                ops.add(token)
                continue
            if values and not ops:
                ops.add("OR")  # Datadog reads a space-separated value list as alternatives
            values.append(_check_value(key, token))
        self.take()  # )
        self.depth -= 1
        if not values:
            raise ScopeError(f"{key}:() has no values")
        if len(ops) > 1:
            raise ScopeError(f"inside {key}:( ) use either OR or AND, not both")
        return KeyGroup(key, ops.pop() if ops else "OR", tuple(values))


def _negate(node: Node) -> Node:
    if isinstance(node, Everything):
        raise ScopeError("-* would mute nothing; remove it")
    if isinstance(node, Term | KeyGroup | BoolOp):
        return type(node)(*_fields(node)[:-1], negated=not node.negated)
    raise AssertionError(node)  # pragma: no cover


def _fields(node: Term | KeyGroup | BoolOp) -> tuple:
    if isinstance(node, Term):
        return (node.key, node.value, node.negated)
    if isinstance(node, KeyGroup):
        return (node.key, node.op, node.values, node.negated)
    return (node.op, node.items, node.negated)


def _check_key(key: str) -> None:
    if not key:
        raise ScopeError("a term starts with ':' and has no key")
    if "*" in key or "?" in key:
        raise ScopeError(f"key {key!r} cannot contain wildcards; only values can")


def _check_value(key: str, value: str) -> str:
    if not value:
        raise ScopeError(f"{key}: has no value; write {key}:something or {key}:*")
    if "?" in value:
        raise ScopeError(
            f"the ? wildcard in {key}:{value} is not supported; use * instead "
            f"(for example {key}:{value.replace('?', '*')})",
            datadog="Invalid scope: '?' wildcards are not supported",
        )
    return value


def _term(token: str) -> Node:
    if token == "*":
        return Everything()
    key, sep, value = token.partition(":")
    if not sep:
        raise ScopeError(
            f"{token!r} has no key: write key:value, for example host:{token}",
            datadog="All values must have a key",
        )
    _check_key(key)
    return Term(key, _check_value(key, value))


def _parse(text: str) -> tuple[Node, _Parser]:
    text = (text or "").strip()
    if not text:
        raise ScopeError(
            "the scope is empty: use * for everything, or terms such as env:prod",
            datadog="Scope must not be empty",
        )
    parser = _Parser(text)
    node = parser.parse()
    if isinstance(node, BoolOp) and any(isinstance(i, Everything) for i in node.items):
        raise ScopeError("* already means everything; use it alone or not at all")
    return node, parser


def parse_scope(text: str) -> Node:
    return _parse(text)[0]


def plain_term(text: str) -> Term | None:
    """`text` as one `key:value` term that matches one value exactly, or None: no wildcard,
    operator, parenthesis, quote, negation or second term (what one tag of a group must be to
    become a scope that mutes that group and no other)."""
    try:
        node = parse_scope(text)
    except ScopeError:
        return None
    if not isinstance(node, Term) or node.negated or "*" in node.value or '"' in text:
        return None
    return node if render(node) == text else None


# The longest scope a person may give (the form's field, the live check, bulk cancel): parsing
# is linear but not free, and a scope of this length is already far past any real one.
MAX_TYPED = 2000


def check_scope(text: str) -> str | None:
    """None when the scope is valid, else a sentence saying how to fix it."""
    if len(text) > MAX_TYPED:
        return f"a scope is at most {MAX_TYPED:,} characters; this one has {len(text):,}"
    try:
        parse_scope(text)
    except ScopeError as exc:
        return str(exc)
    return None


# --- describing a scope --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chip:
    """One AND-joined part of a scope, in Datadog's own text (`env:(prod OR staging)`), so what
    is copied from a chip pastes back into Datadog unchanged."""

    label: str
    negated: bool = False  # a part that leaves groups out (`-host:web-1`, `NOT (...)`)
    hint: str = ""


def scope_chips(text: str) -> tuple[Chip, ...]:
    """Chips for the AND-joined parts of a scope; one raw chip where it cannot be split."""
    text = (text or "").strip()
    try:
        node, parser = _parse(text)
    except ScopeError:
        return (Chip(text or "(empty)"),)
    if isinstance(node, Everything):
        return (Chip("*", hint="every group"),)
    # A negated group is one thing to read: splitting it would show its terms as muted.
    split = isinstance(node, BoolOp) and node.op == "AND" and not node.negated
    items = node.items if split else (node,)
    return tuple(
        Chip(text[start:end], getattr(item, "negated", False))
        for item, (start, end) in zip(items, parser.parts, strict=True)
    )


def canonical(node: Node) -> Node:
    """The same scope however its parts were ordered: `b AND a` is `a AND b`."""
    if isinstance(node, KeyGroup):
        return KeyGroup(node.key, node.op, tuple(sorted(node.values)), node.negated)
    if isinstance(node, BoolOp):
        items = tuple(sorted((canonical(i) for i in node.items), key=render))
        return BoolOp(node.op, items, node.negated)
    return node


def scope_terms(text: str) -> frozenset[str]:
    """The AND-joined parts of a scope, each in canonical text (`*` is {"*"}).

    Two scopes that mean the same (parts or alternatives in another order) give the same set,
    and a scope whose parts include another's is at least as narrow. Raises ScopeError.
    """
    node = canonical(parse_scope(text))
    if isinstance(node, BoolOp) and node.op == "AND" and not node.negated:
        return frozenset(render(item) for item in node.items)
    return frozenset({render(node)})


def render(node: Node) -> str:
    """Canonical text of a parsed scope (used to compare scopes for overlap warnings)."""
    if isinstance(node, Everything):
        return "*"
    prefix = "-" if node.negated else ""
    if isinstance(node, Term):
        return f"{prefix}{node.key}:{node.value}"
    if isinstance(node, KeyGroup):
        return f"{prefix}{node.key}:({f' {node.op} '.join(node.values)})"
    inner = f" {node.op} ".join(
        f"({render(i)})" if isinstance(i, BoolOp) and not i.negated else render(i)
        for i in node.items
    )
    return f"{prefix}({inner})" if node.negated else inner


# --- which groups a scope mutes ------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _value_pattern(value: str) -> re.Pattern[str]:
    """A scope value as a pattern: `*` is any run of characters; nothing else is special."""
    value = value.strip('"')
    return re.compile("^" + ".*".join(re.escape(part) for part in value.split("*")) + "$", re.I)


value_pattern = _value_pattern  # for indexes that match a value against many at once


def _has(tags: frozenset[tuple[str, str]], key: str, value: str) -> bool:
    pattern = _value_pattern(value)
    return any(k == key.lower() and pattern.match(v) for k, v in tags)


def _holds(node: Node, tags: frozenset[tuple[str, str]]) -> bool:
    if isinstance(node, Everything):
        return True
    if isinstance(node, Term):
        found = _has(tags, node.key, node.value)
    elif isinstance(node, KeyGroup):
        hits = [_has(tags, node.key, value) for value in node.values]
        found = any(hits) if node.op == "OR" else all(hits)
    else:
        results = [_holds(item, tags) for item in node.items]
        found = any(results) if node.op == "OR" else all(results)
    return found != node.negated


def matches(scope: str, tags: Iterable[str]) -> bool:
    """Whether a monitor group carrying `tags` (`key:value` strings) is in the scope.

    Raises ScopeError for a scope Datadog would refuse.
    """
    pairs = frozenset(
        (key.lower(), value) for key, sep, value in (t.partition(":") for t in tags) if sep
    )
    return _holds(parse_scope(scope), pairs)


# --- when only some of a group's tags are known --------------------------------------------------


def _combine(results: list[bool | None], op: str) -> bool | None:
    """AND or OR when some parts cannot be told: a part that decides it is enough."""
    decisive = op == "OR"
    if any(r is decisive for r in results):
        return decisive
    if all(r is (not decisive) for r in results):
        return not decisive
    return None


def _known(tags: frozenset[tuple[str, str]], keys: frozenset[str], key: str, value: str):
    if _has(tags, key, value):
        return True
    return False if key.lower() in keys else None


def _judge(node: Node, tags: frozenset[tuple[str, str]], keys: frozenset[str]) -> bool | None:
    if isinstance(node, Everything):
        return True
    if isinstance(node, Term):
        found = _known(tags, keys, node.key, node.value)
    elif isinstance(node, KeyGroup):
        found = _combine([_known(tags, keys, node.key, v) for v in node.values], node.op)
    else:
        found = _combine([_judge(item, tags, keys) for item in node.items], node.op)
    return None if found is None else found != node.negated


def judge(scope: str) -> Callable[[Iterable[str]], bool | None]:
    """The scope, parsed once, as a question to ask of many groups: is a group carrying `tags`
    in it? True or False; None when the answer turns on a tag key the group's known `tags` do
    not include (a monitor group is known by the tags of its name and its query's filter, and
    the scope may ask about others, such as a host's region).

    Raises ScopeError for a scope Datadog would refuse.
    """
    node = parse_scope(scope)

    def verdict(tags: Iterable[str]) -> bool | None:
        pairs = frozenset(
            (key.lower(), value) for key, sep, value in (t.partition(":") for t in tags) if sep
        )
        return _judge(node, pairs, frozenset(key for key, _ in pairs))

    return verdict
