#!/usr/bin/env python3
"""Django's command line for the fixture app (`manage.py check`, `manage.py shell`); the tests serve
it with gunicorn instead (scripts/django-serve.sh)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foobar.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
