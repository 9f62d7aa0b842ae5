"""The app's routes. `<str:user>` is any non-empty path segment, decoded: `/api/users/4%2A/summary`
reaches the view with user `4*`."""
from django.urls import path

from foobar import views

urlpatterns = [
    path("api/users/<str:user>/summary", views.summary),
    path("api/users/<str:user>/orders", views.orders),
    path("healthz", views.healthz),
]
