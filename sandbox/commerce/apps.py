from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "sandbox.commerce"
    label = "sandbox_commerce"
    verbose_name = "HUAWEI CLOUD sandbox: commerce"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing registers the operations, the demo-world loader and the clock listener.
        from sandbox.commerce import operations, services, world  # noqa: F401
