from django.contrib.auth import views as auth_views
from django.urls import path

from customers import views

# Not namespaced: Django's auth views and LOGIN_URL / LOGIN_REDIRECT_URL use these plain names.
urlpatterns = [
    path("signup/", views.signup_page, name="signup"),
    path("signup/check/", views.signup_check, name="signup_check"),
    path("signup/code/", views.signup_code, name="signup_code"),
    path("account/", views.account, name="account"),
    path("account/real-name/", views.realname_page, name="realname"),
    path("account/real-name/files/<int:pk>/", views.realname_file, name="realname_file"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
