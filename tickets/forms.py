"""Ticket forms: the new-ticket form built from HUAWEI CLOUD's catalogue, messages and actions."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from orders.prices import REGIONS
from tickets import services

ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "bmp", "pdf", "txt", "log", "zip")
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
# What the file must start with; OSM checks content as well as the name.
_MAGIC = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
_TEMPLATE_FIELD = re.compile(r"^\s*(?P<label>[^:：\n]{1,80})[:：]\s*(?P<value>.*)$")


def template_fields(content: str) -> list[str]:
    """The labels a template asks for: each of its lines "Label:" (or "标签：")."""
    return [m.group("label").strip() for line in content.splitlines() if (m := _TEMPLATE_FIELD.match(line))]


def missing_template_fields(content: str, description: str) -> list[str]:
    """The template's labels left without an answer, on their line or on the lines below them (a
    pasted error message or log) up to the next label."""
    labels = template_fields(content)
    answered: dict[str, bool] = {}
    current = None
    for line in description.splitlines():
        m = _TEMPLATE_FIELD.match(line)
        if m and m.group("label").strip() in labels:
            current = m.group("label").strip()
            answered[current] = answered.get(current, False) or bool(m.group("value").strip())
        elif current and line.strip():
            answered[current] = True
    return [label for label in labels if not answered.get(label)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to MAX_FILES files of the types and size OSM takes (checked by name and by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(count)d files.") % {"count": MAX_FILES})
        uploads = []
        for file in files:
            extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
            if extension not in ALLOWED_EXTENSIONS:
                raise forms.ValidationError(
                    _("%(name)s: HUAWEI CLOUD accepts only these file types: %(types)s.")
                    % {"name": file.name, "types": ", ".join(ALLOWED_EXTENSIONS)}
                )
            if not file.size or file.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s: a file must be between 1 byte and 10 MB.") % {"name": file.name}
                )
            content = file.read()
            magic = _MAGIC.get(extension)
            if (magic and not content.startswith(magic)) or (magic is None and b"\x00" in content):
                raise forms.ValidationError(
                    _("%(name)s: the content does not match its file type.") % {"name": file.name}
                )
            uploads.append(
                services.Upload(
                    name=file.name, content=content, content_type=file.content_type or "application/octet-stream"
                )
            )
        return uploads


class TicketForm(forms.Form):
    """Product -> problem type -> severity (and templates) narrow as the choices above them are made."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=services.SUBJECT_MAX_LENGTH)
    product = forms.ChoiceField(label=_("Product"))
    problem_type = forms.ChoiceField(label=_("Problem type"))
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    template = forms.ChoiceField(
        label=_("Template"),
        required=False,
        help_text=_("A template fills in the description with what HUAWEI CLOUD needs to know."),
    )
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", "—"), *REGIONS.items()])
    description = forms.CharField(
        label=_("Description"), max_length=services.DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8})
    )
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_mobile = forms.RegexField(
        label=_("Contact mobile"),
        regex=r"^\d{5,20}$",
        required=False,
        error_messages={"invalid": _("Digits only, without spaces or +.")},
    )
    attachments = AttachmentsField(
        label=_("Attachments"), help_text=_("Up to 10 files of 10 MB: jpg, png, gif, bmp, pdf, txt, log, zip.")
    )

    def __init__(self, *args, catalogue: list[dict], staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        if staff:
            self.fields["customer"] = forms.ModelChoiceField(
                label=_("Customer"),
                required=False,
                queryset=Customer.objects.filter(customer_id__isnull=False),
                empty_label=_("The partner itself"),
            )
            self.order_fields(["customer"])
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4()
        self.fields["product"].choices = [("", "—")] + [(p["id"], p["name"]) for p in catalogue]
        product = self._selected("product", {p["id"]: p for p in catalogue})
        problem_types = {t["id"]: t for t in (product or {}).get("problem_types", [])}
        self.fields["problem_type"].choices = [("", "—")] + [(t["id"], t["name"]) for t in problem_types.values()]
        problem = self._selected("problem_type", problem_types)
        self.product_option, self.problem_option = product, problem
        severities = (problem or {}).get("severities", [])
        self.fields["severity"].choices = [("", "—")] + [(s["id"], s["name"]) for s in severities]
        self.fields["severity"].required = bool(severities)
        templates = (problem or {}).get("templates", [])
        self.templates = {t["id"]: t for t in templates}
        self.fields["template"].choices = [("", _("No template"))] + [(t["id"], t["name"]) for t in templates]
        self.needs_region = bool(problem and problem.get("case_type") == "5")
        self.fields["region"].required = self.needs_region
        if not self.needs_region:
            self.fields["region"].widget = forms.HiddenInput()
        if not severities:
            self.fields["severity"].widget = forms.HiddenInput()

    def _selected(self, name: str, options: dict) -> dict | None:
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return options.get(value or "")

    def prefill_from_template(self) -> None:
        """Put the chosen template's text in an empty (or untouched template) description."""
        template = self.templates.get(self.data.get("template") or "")
        if not template:
            return
        current = (self.data.get("description") or "").strip()
        if not current or current in {t["content"].strip() for t in self.templates.values()}:
            data = self.data.copy()
            data["description"] = template["content"]
            self.data = data

    def clean(self):
        cleaned = super().clean()
        template = self.templates.get(cleaned.get("template") or "")
        description = cleaned.get("description") or ""
        if template and description:
            missing = missing_template_fields(template["content"], description)
            if missing:
                self.add_error(
                    "description",
                    _("Please answer what the template asks: %(fields)s.") % {"fields": ", ".join(missing)},
                )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        product, problem = self.product_option, self.problem_option
        severity = {s["id"]: s["name"] for s in problem.get("severities", [])}
        return {
            "idempotency_key": data["idempotency_key"],
            "subject": data["subject"],
            "description": data["description"],
            "category_id": product["category_id"],
            "product_category_id": product["id"],
            "product_category_name": product["name"],
            "business_type_id": problem["id"],
            "business_type_name": problem["name"],
            "severity_id": data.get("severity") or "",
            "severity_name": severity.get(data.get("severity") or "", ""),
            "region_id": data.get("region") or "",
            "contact_email": data.get("contact_email") or "",
            "contact_mobile": data.get("contact_mobile") or "",
            "uploads": data.get("attachments") or [],
        }


class MessageForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    content = forms.CharField(label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    confidential = forms.BooleanField(
        label=_("Contains confidential information (passwords, keys)"),
        required=False,
        help_text=_("Kept out of notification emails. HUAWEI CLOUD has no such flag; it is marked on this site only."),
    )
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=list(services.ACTION_LABELS.items()))
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)
