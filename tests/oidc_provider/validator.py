"""Claims as an organisation's provider sends them: names, e-mail, and groups (scope `groups`).

`tweaks.json` in the state folder, when present, overrides claims of the ID tokens it signs: the
tests use it to have this real provider issue a correctly signed token for another audience or
from another issuer, which the dashboard must refuse.
"""

import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "preferred_username": user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        tweaks = settings.STATE / "tweaks.json"
        if tweaks.exists():
            claims.update(json.loads(tweaks.read_text()))
        return claims, expiration
