"""Ticket pages: list, new ticket (with htmx-narrowed choices), detail with messages and actions, queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partner_portal.templatetags.portal import customer_of
from tickets import selectors, services
from tickets.forms import ActionForm, MessageForm, TicketForm
from tickets.models import Status

PAGE_SIZE = 20


@login_required
@require_GET
def ticket_list(request):
    customer = customer_of(request.user)
    if customer is None:
        if selectors.is_support(request.user):
            return redirect("tickets_queue")
        raise Http404
    page = Paginator(selectors.tickets_for_customer(customer=customer, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "tickets/list.html", {"page_obj": page, "tickets": page.object_list})


def _narrowed(data, catalogue, staff) -> TicketForm:
    """The form again with what was typed, its choices narrowed and the template applied, without errors."""
    probe = TicketForm(data, catalogue=catalogue, staff=staff)
    probe.prefill_from_template()
    initial = {key: probe.data.get(key) for key in probe.data if key != "csrfmiddlewaretoken"}
    return TicketForm(initial=initial, catalogue=catalogue, staff=staff)


def _form_context(request):
    customer = customer_of(request.user)
    staff = customer is None and request.user.is_staff and request.user.has_perm("tickets.add_ticket")
    if customer is None and not staff:
        raise Http404
    return customer, staff


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request):
    customer, staff = _form_context(request)
    catalogue = selectors.catalogue()
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, catalogue=catalogue, staff=staff)
        if "refresh" in request.POST:
            # No-JavaScript fallback of the dependent selects: narrow the choices, do not submit.
            form = _narrowed(request.POST, catalogue, staff)
            return render(request, "tickets/new.html", {"form": form, "staff": staff})
        if form.is_valid():
            target = form.cleaned_data.get("customer") if staff else customer
            try:
                ticket = services.ticket_open(
                    customer=target, created_by=request.user, request=request, **form.service_kwargs()
                )
            except services.TicketRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request, _("Your ticket %(id)s was sent to HUAWEI CLOUD.") % {"id": ticket.incident_id}
                )
                return redirect("ticket_detail", pk=ticket.pk)
    else:
        if not catalogue:
            services.catalogue_refresh_soon()
        initial = {"contact_email": customer.email if customer else ""}
        form = TicketForm(initial=initial, catalogue=catalogue, staff=staff)
    return render(request, "tickets/new.html", {"form": form, "staff": staff, "catalogue_missing": not catalogue})


@login_required
@require_POST
def ticket_form_options(request):
    """htmx: the dependent part of the form (problem type, severity, template, region, description)."""
    _customer, staff = _form_context(request)
    form = _narrowed(request.POST, selectors.catalogue(), staff)
    return render(request, "tickets/includes/dependent_fields.html", {"form": form})


def _ticket_or_404(request, pk: int):
    ticket = selectors.ticket_for_user(user=request.user, pk=pk)
    if ticket is None:
        raise Http404
    return ticket


def _detail_context(request, ticket, message_form=None):
    allowed = [
        (action, label)
        for action, label in services.ACTION_LABELS.items()
        if ticket.status in services.ACTION_STATUSES[action]
    ]
    may_act = selectors.user_may_act(user=request.user, ticket=ticket)
    return {
        "ticket": ticket,
        "conversation": ticket.messages.prefetch_related("attachments").select_related("sent_by"),
        "loose_attachments": ticket.attachments.filter(message__isnull=True),
        "events": ticket.events.all(),
        "actions": allowed if may_act else [],
        "may_act": may_act,
        "message_form": message_form or (MessageForm() if may_act and not ticket.is_finished else None),
        "message_refusal": services.MESSAGE_REFUSAL if ticket.is_finished else "",
    }


@login_required
@require_GET
def ticket_detail(request, pk: int):
    ticket = _ticket_or_404(request, pk)
    services.read_marker_update(ticket=ticket, user=request.user)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_message(request, pk: int):
    ticket = _ticket_or_404(request, pk)
    if not selectors.user_may_act(user=request.user, ticket=ticket):
        raise Http404
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.ticket_message_add(
                ticket=ticket,
                user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                content=form.cleaned_data["content"],
                confidential=form.cleaned_data["confidential"],
                uploads=form.cleaned_data["attachments"],
                request=request,
            )
        except services.TicketRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("ticket_detail", pk=ticket.pk)
    return render(request, "tickets/detail.html", _detail_context(request, ticket, form), status=400)


@login_required
@require_POST
def ticket_action(request, pk: int):
    ticket = _ticket_or_404(request, pk)
    if not selectors.user_may_act(user=request.user, ticket=ticket):
        raise Http404
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("ticket_detail", pk=ticket.pk)
    action = form.cleaned_data["action"]
    try:
        services.ticket_action(
            ticket=ticket, user=request.user, action=action, reason=form.cleaned_data["reason"], request=request
        )
    except services.TicketRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("ticket_detail", pk=ticket.pk)
    if action == "delete":
        messages.success(request, _("The ticket was deleted."))
        return redirect("tickets")
    messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS[action]})
    return redirect("ticket_detail", pk=ticket.pk)


@login_required
@require_GET
def ticket_attachment(request, pk: int, attachment_pk: int):
    """A ticket's file, to the ticket's customer and to support staff; a 404 to anyone else. When
    HUAWEI CLOUD does not give it, back to the ticket with the reason."""
    attachment = selectors.attachment_for_user(user=request.user, ticket_pk=pk, pk=attachment_pk)
    if attachment is None:
        raise Http404
    try:
        content = services.attachment_content(attachment=attachment)
    except services.TicketRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("ticket_detail", pk=attachment.ticket_id)
    response = FileResponse(content.file, as_attachment=True, filename=content.name, content_type=content.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


AGES = {"1": 1, "3": 3, "7": 7, "30": 30}


@login_required
@require_GET
def tickets_queue(request):
    if not selectors.is_support(request.user):
        raise Http404
    status = request.GET.get("status", "")
    queryset = selectors.tickets_queue(
        user=request.user,
        status=int(status) if status.lstrip("-").isdigit() else None,
        customer=request.GET.get("customer", "").strip(),
        older_than_days=AGES.get(request.GET.get("age", "")),
        partner_only=request.GET.get("customer") == "-",
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/queue.html",
        {"page_obj": page, "tickets": page.object_list, "statuses": Status.choices, "ages": AGES, "query": request.GET},
    )
