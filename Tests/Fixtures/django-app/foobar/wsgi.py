"""The WSGI entry point that gunicorn loads (`foobar.wsgi:application`)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foobar.settings")

application = get_wsgi_application()
