from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "sandbox.console"
    label = "sandbox_console"
    verbose_name = "HUAWEI CLOUD sandbox: console and SSO"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the reset hook that forgets identity providers and pending sign-ins.
        from sandbox.console import saml_sp  # noqa: F401
