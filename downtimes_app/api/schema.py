"""`/api/openapi.json`: the API described as OpenAPI 3.1, written out here by hand (no library
builds it: the API is a handful of function views). A test checks that every address of the
API is described and every described address exists, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from downtimes_app.models import ApprovalRequest


def approval(asked: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": asked.pk,
        "state": asked.state,
        "reasons": asked.reasons,
        "expires": asked.expires_at.isoformat(),
        "url": reverse("downtimes:approval", args=[asked.pk]),
    }


ERRORS = {
    "description": "Why not, in words (`errors`), with `fields` for a body's fields",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
}
ONE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/One"}}}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    "description": "Sent again, the same key makes nothing new: the answer names the first.",
}
FILTERS = [
    {"name": name, "in": "query", "schema": {"type": "string"}, "description": words}
    for name, words in (
        ("status", "active, scheduled, ended or canceled"),
        ("q", "words to search for"),
        ("monitor", "a monitor id"),
        ("creator", "a creator, or `me`"),
        ("kind", "one-time or recurring"),
        ("sort", "as the list's sort choices"),
        ("page", "the page, from 1"),
        ("per_page", "rows a page"),
    )
]


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): ERRORS for code in codes}


def _op(summary: str, ok: dict[str, Any], *errors: int, **more: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**ok, **_errors(401, 403, *errors)}, **more}


def _body(ref: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


CREATED = {"201": {"description": "Made", **ONE}, "202": {"description": "Waits for approval"}}


def _paths() -> dict[str, Any]:
    return {**_downtime_paths(), **_other_paths()}


def _downtime_paths() -> dict[str, Any]:
    created = CREATED
    return {
        "/downtimes": {
            "get": _op(
                "The list, with the list page's filters",
                {"200": {"description": "A page"}},
                parameters=FILTERS,
            ),
            "post": _op(
                "Schedule a downtime (the form's validation and the policy)",
                created,
                400,
                409,
                502,
                parameters=[IDEMPOTENCY],
                requestBody=_body("NewDowntime"),
            ),
        },
        "/downtimes/{id}": {
            "get": _op(
                "One downtime", {"200": {"description": "It", **ONE}}, 404, 503, parameters=[ID]
            ),
            "delete": _op(
                "Cancel it",
                {"200": {"description": "Canceled", **ONE}},
                404,
                409,
                502,
                parameters=[ID],
            ),
        },
        "/downtimes/{id}/extend": {
            "post": _op(
                "Move its end later",
                {"200": {"description": "Extended", **ONE}},
                400,
                404,
                409,
                502,
                parameters=[ID],
                requestBody=_body("Extend"),
            ),
        },
        "/downtimes/{id}/end": {
            "post": _op(
                "End it now",
                {"200": {"description": "Ended", **ONE}},
                404,
                409,
                502,
                parameters=[ID],
            ),
        },
    }


def _other_paths() -> dict[str, Any]:
    created = CREATED
    return {
        "/leases": {
            "post": _op(
                "A downtime that ends `ttl` from now unless renewed",
                created,
                400,
                409,
                502,
                parameters=[IDEMPOTENCY],
                requestBody=_body("NewLease"),
            ),
        },
        "/leases/{id}/renew": {
            "post": _op(
                "Move its end to `ttl` from now",
                {"200": {"description": "Renewed"}},
                404,
                409,
                502,
                parameters=[ID],
            ),
        },
        "/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "It"}}}
        },
    }


TARGET = {
    "scope": {"type": "string", "examples": ["env:prod AND service:db", "*"]},
    "monitor_id": {"type": "integer"},
    "monitor_tags": {
        "type": "array",
        "items": {"type": "string"},
        "description": '`["*"]`: every monitor',
    },
    "message": {"type": "string"},
}
SCHEMAS = {
    "Errors": {
        "type": "object",
        "properties": {
            "errors": {"type": "array", "items": {"type": "string"}},
            "fields": {"type": "object", "additionalProperties": {"type": "array"}},
            "policy": {"type": "array", "items": {"type": "object"}},
        },
    },
    "One": {"type": "object", "properties": {"downtime": {"type": "object"}}},
    "NewDowntime": {
        "type": "object",
        "required": ["scope"],
        "properties": {
            **TARGET,
            "start": {
                "type": "string",
                "description": "ISO 8601, or wall time in `timezone`; none: now",
            },
            "end": {"type": ["string", "null"], "description": "ISO 8601; null: no end"},
            "duration": {"type": "string", "examples": ["30m", "2h", "1d"]},
            "rrule": {"type": "string", "examples": ["FREQ=WEEKLY;BYDAY=TU,TH"]},
            "recurrences": {"type": "array", "items": {"type": "object"}},
            "timezone": {"type": "string", "examples": ["Europe/Paris"]},
            "notify_end_states": {"type": "array", "items": {"type": "string"}},
            "notify_end_types": {"type": "array", "items": {"type": "string"}},
            "mute_first_recovery_notification": {"type": "boolean"},
        },
    },
    "Extend": {
        "type": "object",
        "properties": {"by": {"type": "string"}, "until": {"type": "string"}},
    },
    "NewLease": {
        "type": "object",
        "required": ["scope", "ttl"],
        "properties": {**TARGET, "ttl": {"type": "string", "examples": ["15m"]}},
    },
}


def document(base: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Downtime dashboard API", "version": "1"},
        "servers": [{"url": base}],
        "security": [{"token": []}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
