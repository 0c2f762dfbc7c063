"""Prices and orders, included at the site root (partner_portal/urls.py)."""

from django.urls import path

from orders import views

urlpatterns = [
    path("prices/", views.prices_page, name="prices"),
    path("orders/", views.orders_page, name="orders"),
    path("orders/refresh/", views.orders_refresh, name="orders_refresh"),
    path("orders/<str:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<str:order_id>/refresh/", views.order_refresh, name="order_refresh"),
    path("orders/<str:order_id>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:order_id>/cancel/", views.order_cancel, name="order_cancel"),
]
