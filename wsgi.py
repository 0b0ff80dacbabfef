"""What a WSGI server serves: ``gunicorn wsgi:app``.

Configuration comes from the environment (``HELPDESK_*``, ``REDIS_URL``); see the README.
"""

from helpdesk.app import create_app

app = create_app()
