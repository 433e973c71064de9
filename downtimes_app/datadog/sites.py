"""Datadog sites and the hosts that serve them.

Kept free of Django so that settings can validate `DD_SITE` at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Site:
    name: str  # Datadog's own label, e.g. "US1"
    domain: str  # what DD_SITE holds, e.g. "datadoghq.com"
    api_host: str
    app_host: str

    @property
    def api_url(self) -> str:
        return f"https://{self.api_host}"

    @property
    def app_url(self) -> str:
        return f"https://{self.app_host}"


SITES: tuple[Site, ...] = (
    Site("US1", "datadoghq.com", "api.datadoghq.com", "app.datadoghq.com"),
    Site("US3", "us3.datadoghq.com", "api.us3.datadoghq.com", "us3.datadoghq.com"),
    Site("US5", "us5.datadoghq.com", "api.us5.datadoghq.com", "us5.datadoghq.com"),
    Site("EU", "datadoghq.eu", "api.datadoghq.eu", "app.datadoghq.eu"),
    Site("AP1", "ap1.datadoghq.com", "api.ap1.datadoghq.com", "ap1.datadoghq.com"),
    Site("AP2", "ap2.datadoghq.com", "api.ap2.datadoghq.com", "ap2.datadoghq.com"),
    Site("US1-FED", "ddog-gov.com", "api.ddog-gov.com", "app.ddog-gov.com"),
    Site("US2-FED", "us2.ddog-gov.com", "api.us2.ddog-gov.com", "us2.ddog-gov.com"),
)

DEFAULT_SITE = "datadoghq.com"


def _aliases(site: Site) -> set[str]:
    # People paste whichever form they see: the label, the domain, the UI host or the API host.
    return {site.name.lower(), site.domain, site.app_host, site.api_host}


def find_site(value: str) -> Site:
    """The site that `value` names, or ValueError naming every accepted value."""
    wanted = value.strip().lower().removeprefix("https://").rstrip("/")
    for site in SITES:
        if wanted in _aliases(site):
            return site
    accepted = ", ".join(f"{s.domain} ({s.name})" for s in SITES)
    raise ValueError(f"unknown Datadog site {value!r}; accepted values: {accepted}")
