"""The console's SAML endpoints and pages (included by sandbox/urls.py before the API catch-all)."""

from django.urls import path
from django.views.generic import RedirectView

from sandbox.console import views

urlpatterns = [
    path("authui/saml/login", views.saml_login, name="saml-login"),
    path("authui/saml/acs", views.saml_acs, name="saml-acs"),
    path("authui/saml/metadata.xml", views.saml_metadata, name="saml-metadata"),
    path("console", RedirectView.as_view(url="/console/")),
    path("console/", views.overview, name="console-overview"),
    path("console/console.css", views.stylesheet, name="console-css"),
    path("console/<str:service>/buy", views.buy, name="console-buy"),
    path("console/resources", views.resources, name="console-resources"),
    path("console/orders/<str:order_id>", views.order_detail, name="console-order"),
    path("console/signout", views.sign_out, name="console-signout"),
    path("_sandbox/sso/idp", views.idp_control),
]
