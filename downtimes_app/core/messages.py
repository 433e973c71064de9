"""A downtime's message as the page shows it: inert HTML with links and @-mentions marked.

Text from Datadog is escaped first; the only markup added is ours (links for http(s) URLs,
mention spans, line breaks). The work is linear in the text, and the page shows at most
MESSAGE_SHOWN characters of it: Datadog does not cap messages the way the form does, and the
copy-as outputs (sharing.py) keep the whole text.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Applied to text that is already HTML-escaped, so a URL can only contain `&amp;` entities: it
# stops at `&lt;`, `&gt;`, `&quot;` and `&#x27;`, which were <, >, " and ' in Datadog's text.
_URL = r"https?://(?:[^\s&<>\"']|&amp;)+"
# A handle after whitespace or punctuation (`@slack-team-oncall`, `@someone@example.com`), never
# the `@` inside an email address or a URL (URLs are matched first, left to right).
_MENTION = r"(?<![\w@./])@\w[\w.+\-/@]*"
_MESSAGE_TOKEN = re.compile(f"(?P<url>{_URL})|(?P<mention>{_MENTION})")
_TRAILING = ".,;:!?"
# Characters of a message the page renders. Datadog does not cap messages as the form does; past
# this, the page says so and the copy-as outputs keep the whole text.
MESSAGE_SHOWN = 20_000


def _trim_url(url: str) -> tuple[str, str]:
    """A URL and the punctuation after it that belongs to the sentence, not the link.

    A closing parenthesis stays when it closes one opened in the URL (Wikipedia's links): read
    from the end, punctuation goes, and `)` goes while the URL has more `)` than `(`. Done with
    whole-string operations (count, rstrip, split, join), never a step per character, so a URL
    followed by 100,000 `)` costs as little as copying them (the old loop counted them again
    for each one it cut).
    """
    body = url.rstrip(_TRAILING + ")")
    run = url[len(body) :]
    excess = max(0, url.count(")") - url.count("("))
    pieces = run.split(")")
    closing = len(pieces) - 1
    if closing <= excess:
        return body, run
    # Keep the run up to its (excess + 1)-th `)` from the end: the first one not in excess.
    kept = ")".join(pieces[: closing - excess]) + ")"
    return body + kept, run[len(kept) :]


def render_message(text: str | None) -> SafeString:
    """Datadog's message as inert HTML: escaped first, then links and @-mentions marked.

    Only http(s) URLs become links, so `javascript:` and friends stay text; every character of
    the input reaches the page through `escape`, and the only markup added is ours. Its first
    MESSAGE_SHOWN characters are shown, in time proportional to their number.
    """
    whole = (text or "").replace("\r\n", "\n")
    escaped = str(escape(whole[:MESSAGE_SHOWN]))

    def mark(match: re.Match[str]) -> str:
        if match.group("url"):
            url, tail = _trim_url(match.group("url"))
            if url.endswith("://"):
                return match.group(0)
            return (
                f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{url}</a>'
                + tail
            )
        mention = match.group("mention")
        handle = mention.rstrip(_TRAILING)
        return f'<span class="mention">{handle}</span>{mention[len(handle) :]}'

    rendered = _MESSAGE_TOKEN.sub(mark, escaped).replace("\n", "<br>")
    if len(whole) > MESSAGE_SHOWN:
        rendered += (
            f'<br><span class="muted">\u2026 (message cut at {MESSAGE_SHOWN:,} characters of '
            f"{len(whole):,}; Copy as JSON has all of it)</span>"
        )
    return mark_safe(rendered)  # noqa: S308
