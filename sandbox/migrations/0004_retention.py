"""The sandbox keeps each one-time window's end, to forget ended downtimes as Datadog does."""

from datetime import datetime

from django.db import migrations, models


def fill_ends(apps, schema_editor):
    """The one-time windows' ends of the downtimes already there (save() keeps it after)."""
    downtimes = apps.get_model("sandbox", "SandboxDowntime")
    changed = []
    for row in downtimes.objects.exclude(schedule__has_key="recurrences").only("id", "schedule"):
        end = row.schedule.get("end") if isinstance(row.schedule, dict) else None
        if end:
            row.ends = datetime.fromisoformat(end)
            changed.append(row)
    downtimes.objects.bulk_update(changed, ["ends"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox', '0003_index_canceled'),
    ]

    operations = [
        migrations.AddField(
            model_name='sandboxdowntime',
            name='ends',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.RunPython(fill_ends, migrations.RunPython.noop),
    ]
