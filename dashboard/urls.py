from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from mozilla_django_oidc.views import OIDCLogoutView

from downtimes_app.signin import views as accounts

urlpatterns = [
    path("", include("downtimes_app.urls")),
    path("accounts/login/", accounts.sign_in, name="login"),
    # Ends the session, then goes through the provider's sign-out when single sign-on began it.
    path("accounts/logout/", OIDCLogoutView.as_view(), name="logout"),
    path("accounts/sso/start/", accounts.SsoStart.as_view(), name="sso_start"),
    path("accounts/sso/callback/", accounts.SsoCallback.as_view(), name="sso_callback"),
    path("accounts/lockouts/", accounts.lockouts, name="lockouts"),
    path("accounts/lockouts/lift/", accounts.lift_lockout, name="lockout_lift"),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path(settings.SANDBOX_URL_PREFIX, include(settings.SANDBOX_URLCONF)))
