"""The shared cache's table, so that `migrate` is the one command a new database needs.

Django creates it with `createcachetable`, which does nothing when the cache is Redis (or
already exists), and removes nothing on the way back.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("downtimes_app", "0003_submission_token")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
