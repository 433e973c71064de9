"""Read a rendered HTML form the way a browser submits it, for tests that open a page and post it.

Successful controls only: checked radios and checkboxes, selected options (or a select's first
option), textareas, and no disabled control (nor one inside a disabled fieldset). Buttons are
left out; a test adds the one it "clicks".
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.utils.datastructures import MultiValueDict


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.disabled_depth = 0
        self.fieldsets: list[bool] = []
        self.data = MultiValueDict()
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
            return
        if not self.inside:
            return
        if tag == "fieldset":
            disabled = "disabled" in a
            self.fieldsets.append(disabled)
            self.disabled_depth += disabled
            return
        off = self.disabled_depth > 0 or "disabled" in a
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if off or not a.get("name") or kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            value = a.get("value")
            self.data.appendlist(
                a["name"], "on" if value is None and kind == "checkbox" else value or ""
            )
        elif tag == "select":
            self.select = {"name": a.get("name"), "off": off, "first": None, "chosen": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea":
            self.textarea = {"name": a.get("name"), "off": off, "text": ""}

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "fieldset" and self.fieldsets:
            self.disabled_depth -= self.fieldsets.pop()
        elif tag == "option" and self.option is not None and self.select is not None:
            value = (
                self.option["value"] if self.option["value"] is not None else self.option["text"]
            )
            if self.select["first"] is None:
                self.select["first"] = value
            if self.option["selected"]:
                self.select["chosen"].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            select, self.select = self.select, None
            if select["off"] or not select["name"]:
                return
            chosen = select["chosen"][-1:] or (
                [select["first"]] if select["first"] is not None else []
            )
            for value in chosen:
                self.data.appendlist(select["name"], value)
        elif tag == "textarea" and self.textarea is not None:
            area, self.textarea = self.textarea, None
            if not area["off"] and area["name"]:
                # Browsers drop the one newline that may follow <textarea>.
                self.data.appendlist(area["name"], area["text"].removeprefix("\n"))

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            self.textarea["text"] += data


def form_data(html: str | bytes, form_id: str = "schedule-form") -> MultiValueDict:
    reader = _FormReader(form_id)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.data


def as_post(
    data: MultiValueDict, changes: dict[str, str | list[str]] | None = None, **more: str | list[str]
) -> dict[str, list[str]]:
    """The form's data with some fields changed (`None` removes one), ready for `client.post`."""
    post = {key: list(values) for key, values in data.lists()}
    for key, value in {**(changes or {}), **more}.items():
        if value is None:
            post.pop(key, None)
            continue
        post[key] = value if isinstance(value, list) else [value]
    return post
