from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "sandbox.commerce"
    label = "sandbox_commerce"
    verbose_name = "HUAWEI CLOUD sandbox: commerce"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing registers the operations, the demo-world loader, the clock listener and the bill lines.
        from sandbox.commerce import bill_lines, operations, services, world  # noqa: F401
