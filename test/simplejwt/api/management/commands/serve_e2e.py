"""
manage.py serve_e2e PORT: migrate the throw-away database, create the test user, and serve on
127.0.0.1:PORT with Django's development server (threaded, no reloader). Exits when its standard
input closes, so the server never outlives the test process that started it.
"""
import os
import sys
import threading

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

USERNAME = "alice"
PASSWORD = "alice-simplejwt-password"


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


class Command(BaseCommand):
    help = "Migrate, create the test user and serve on 127.0.0.1:PORT (end-to-end tests only)."

    def add_arguments(self, parser):
        parser.add_argument("port", type=int)

    def handle(self, *args, port, **options):
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
        call_command("migrate", interactive=False, verbosity=0)
        user = User.objects.create_user(
            USERNAME, email="alice@example.com", password=PASSWORD, first_name="Alice", last_name="Example"
        )
        user.groups.add(Group.objects.create(name="editors"))
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True)
