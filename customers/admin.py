from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "account_name",
        "email",
        "customer_id",
        "binding",
        "real_name_status",
        "customer_type",
        "is_frozen",
        "user",
        "created_at",
    ]
    list_filter = ["real_name_status", "is_frozen", "binding", "customer_type"]
    search_fields = ["account_name", "email", "customer_id", "xaccount_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    # Mirrored from HUAWEI CLOUD (or our key for it): changed by sync and services, never by hand.
    readonly_fields = [
        "xaccount_id",
        "customer_id",
        "account_name",
        "email",
        "mobile",
        "domain_area",
        "binding",
        "real_name_status",
        "real_name",
        "customer_type",
        "is_frozen",
        "association_type",
        "associated_on",
        "label",
        "customer_level",
        "created_at",
        "updated_at",
        "synced_at",
    ]
    fieldsets = [
        (None, {"fields": ["account_name", "email", "mobile", "domain_area", "user"]}),
        (
            _("HUAWEI CLOUD"),
            {
                "fields": [
                    "xaccount_id",
                    "customer_id",
                    "binding",
                    "real_name_status",
                    "real_name",
                    "customer_type",
                    "is_frozen",
                    "association_type",
                    "associated_on",
                    "label",
                    "customer_level",
                ]
            },
        ),
        (_("Sync"), {"fields": ["created_at", "updated_at", "synced_at"]}),
    ]

    def has_add_permission(self, request):
        # A customer is created by sign-up, which makes the HUAWEI CLOUD account too.
        return False

    def has_delete_permission(self, request, obj=None):
        # The cloud account outlives the row; deleting it here would orphan the binding.
        return False
