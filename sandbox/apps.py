from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    label = "sandbox"
    verbose_name = "HUAWEI CLOUD sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing the operation modules fills the registry.
        from sandbox import operations  # noqa: F401
