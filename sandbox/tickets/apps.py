from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sandbox.tickets"
    label = "sandbox_tickets"
    verbose_name = "HUAWEI CLOUD sandbox: service tickets (OSM)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing registers the OSM operations and the demo tickets of the world.
        from sandbox.tickets import operations, world  # noqa: F401
