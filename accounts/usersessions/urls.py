from django.urls import path

from accounts.usersessions import views

urlpatterns = [
    path("sessions/", views.list_sessions, name="usersessions_list"),
]
