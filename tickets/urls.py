from django.urls import path

from tickets import views

# Not namespaced: the main navigation shows "Tickets" once the URL name `tickets` resolves.
urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("new/options/", views.ticket_form_options, name="ticket_form_options"),
    path("queue/", views.tickets_queue, name="tickets_queue"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/messages/", views.ticket_message, name="ticket_message"),
    path("<int:pk>/actions/", views.ticket_action, name="ticket_action"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.ticket_attachment, name="ticket_attachment"),
]
