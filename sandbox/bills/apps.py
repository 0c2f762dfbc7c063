from django.apps import AppConfig


class BillsConfig(AppConfig):
    name = "sandbox.bills"
    label = "sandbox_bills"
    verbose_name = "HUAWEI CLOUD sandbox: bills"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the bill operations, the demo bill of the world and the close of bill cycles.
        from sandbox.bills import operations, world  # noqa: F401
