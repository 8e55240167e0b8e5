import os

from django.core.wsgi import get_wsgi_application

from talks.checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talks.settings")

application = get_wsgi_application()
# gunicorn runs no system checks: what the site must not start with is
# checked here, as each worker loads it.
refuse_to_start()
