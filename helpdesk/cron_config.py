"""The cron configuration module for ``rq cron helpdesk.cron_config``.

It registers every entry of ``helpdesk.jobs.CRON_TABLE``; the table is the one place.
"""

from importlib import import_module

from rq import cron

from helpdesk.jobs import CRON_TABLE

for entry in CRON_TABLE:
    module_name, _, func_name = entry.func.rpartition(".")
    cron.register(
        getattr(import_module(module_name), func_name),
        entry.queue,
        kwargs=entry.kwargs,
        interval=entry.interval,
        cron=entry.cron,
        name=entry.name,
    )
