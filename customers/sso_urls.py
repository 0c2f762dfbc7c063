"""Single sign-on into the HUAWEI CLOUD console, under /sso/ (partner_portal/urls.py)."""

from django.urls import path

from customers import sso_views

app_name = "sso"

urlpatterns = [
    path("metadata/", sso_views.metadata, name="metadata"),
    path("login/", sso_views.login, name="login"),
    path("console/", sso_views.console, name="console"),
]
