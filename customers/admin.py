from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers import realname
from customers.models import Customer, RealNameApplication, RealNameFile
from huaweicloud.errors import CloudUnavailable


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
        "binding_error",
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
                    "binding_error",
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


# --- real-name authentication --------------------------------------------------------------------


class RealNameFileInline(admin.TabularInline):
    model = RealNameFile
    extra = 0
    can_delete = False
    fields = ["role", "link", "content_type", "size"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def link(self, obj):
        # Through the permission-checked view: the storage itself has no public URL.
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("realname_file", args=[obj.pk]), _("Open")
        )

    def has_add_permission(self, request, obj=None):
        return False


class RealNameApplicationInline(admin.TabularInline):
    """The customer's real-name history on the customer page; numbers masked."""

    model = RealNameApplication
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["submitted_at", "method", "name", "number_masked", "status", "opinion", "decided_at", "checked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


# The customer page shows the real-name history (masked numbers only).
CustomerAdmin.inlines = [*CustomerAdmin.inlines, RealNameApplicationInline]


@admin.register(RealNameApplication)
class RealNameApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "method",
        "name",
        "number_masked",
        "status",
        "submitted_at",
        "decided_at",
        "next_check_at",
    ]
    list_filter = ["status", "method", "verified_type", "certificate_type"]
    # By the last four characters of a number (masked): a full number in a search would land in access logs.
    search_fields = ["customer__account_name", "customer__customer_id", "name", "number_masked"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "submitted_at"
    inlines = [RealNameFileInline]
    actions = ["check_review_now"]
    # Everything was sent to HUAWEI CLOUD as it is: staff read it, never change it here.
    fields = [
        "customer",
        "method",
        "status",
        "verified_type",
        "certificate_type",
        "name",
        "number_masked",
        "legal_name",
        "legal_id_masked",
        "reg_country",
        "reg_address",
        "opinion",
        "submitted_at",
        "decided_at",
        "checked_at",
        "next_check_at",
        "check_count",
        "result_emailed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ask HUAWEI CLOUD for the review result now"))
    def check_review_now(self, request, queryset):
        decided = unchanged = failed = 0
        for application in queryset.select_related("customer").filter(status=RealNameApplication.Status.UNDER_REVIEW):
            try:
                if realname.realname_review_check(application=application):
                    decided += 1
                else:
                    unchanged += 1
            except CloudUnavailable as exc:
                failed += 1
                last_error = exc.user_message
        self.message_user(
            request,
            _("Review results: %(decided)d decided, %(unchanged)d still under review, %(failed)d could not be checked.")
            % {"decided": decided, "unchanged": unchanged, "failed": failed},
            messages.WARNING if failed else messages.SUCCESS,
        )
        if failed:
            self.message_user(request, last_error, messages.WARNING)
