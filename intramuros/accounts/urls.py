from django.urls import path

from intramuros.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/2fa/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/users/", views.users, name="users"),
    path("accounts/users/new/", views.user_new, name="user_new"),
    path("setup/", views.setup, name="setup"),
]
