"""The API's addresses (included by the root `urls`, in the `downtimes` namespace), and the
account page where a person makes and revokes their tokens."""

from django.urls import path, re_path

from downtimes_app.api import account, views

urlpatterns = [
    path("account/tokens/", account.tokens_page, name="account_tokens"),
    path("account/tokens/<int:token_id>/revoke", account.revoke, name="account_token_revoke"),
    path("api/downtimes", views.downtimes, name="api_downtimes"),
    path("api/downtimes/<str:downtime_id>", views.downtime, name="api_downtime"),
    path("api/downtimes/<str:downtime_id>/extend", views.extend, name="api_extend"),
    path("api/downtimes/<str:downtime_id>/end", views.end, name="api_end"),
    path("api/leases", views.leases, name="api_leases"),
    path("api/leases/<str:downtime_id>/renew", views.renew, name="api_lease_renew"),
    path("api/openapi.json", views.openapi, name="api_openapi"),
    re_path(r"^api(?:/.*)?$", views.not_found, name="api_not_found"),
]
