"""Every version of every downtime (history), and messages about changes made outside."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('downtimes_app', '0010_guardrails_api_slack'),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='kind',
            field=models.CharField(choices=[('reminder', 'Reminder'), ('created', 'Created'), ('canceled', 'Canceled'), ('ended', 'Ended'), ('approval', 'Approval asked'), ('outside', 'Changed outside')], max_length=10),
        ),
        migrations.CreateModel(
            name='DowntimeVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('upstream', models.CharField(max_length=64)),
                ('downtime_id', models.CharField(max_length=64)),
                ('seq', models.PositiveIntegerField()),
                ('event', models.CharField(choices=[('created', 'Created'), ('seen', 'First seen'), ('changed', 'Changed'), ('canceled', 'Canceled'), ('gone', 'Forgotten by Datadog')], max_length=10)),
                ('changed', models.JSONField(blank=True, default=list)),
                ('seen_at', models.DateTimeField()),
                ('valid_from', models.DateTimeField()),
                ('valid_until', models.DateTimeField(blank=True, null=True)),
                ('modified', models.DateTimeField(blank=True, null=True)),
                ('actor', models.CharField(blank=True, max_length=150)),
                ('digest', models.CharField(max_length=40)),
                ('state', models.JSONField()),
                ('mutes_from', models.DateTimeField(blank=True, null=True)),
                ('mutes_until', models.DateTimeField(blank=True, null=True)),
                ('reach', models.SmallIntegerField(blank=True, null=True)),
                ('recurring', models.BooleanField(default=False)),
                ('target', models.CharField(blank=True, max_length=500)),
                ('entry', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='downtimes_app.auditentry')),
            ],
        ),
        migrations.AddField(
            model_name='delivery',
            name='version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='downtimes_app.downtimeversion'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'outside')), fields=('version', 'destination'), name='one_message_per_outside_change_per_destination'),
        ),
        migrations.AddIndex(
            model_name='downtimeversion',
            index=models.Index(fields=['upstream', 'reach', 'mutes_from'], name='version_moment'),
        ),
        migrations.AddIndex(
            model_name='downtimeversion',
            index=models.Index(fields=['valid_until'], name='version_last'),
        ),
        migrations.AddIndex(
            model_name='downtimeversion',
            index=models.Index(fields=['upstream', 'seen_at'], name='version_seen'),
        ),
        migrations.AddIndex(
            model_name='downtimeversion',
            index=models.Index(fields=['upstream', 'target'], name='version_target'),
        ),
        migrations.AddIndex(
            model_name='downtimeversion',
            index=models.Index(fields=['event', 'downtime_id'], name='version_event'),
        ),
        migrations.AddConstraint(
            model_name='downtimeversion',
            constraint=models.UniqueConstraint(fields=('upstream', 'downtime_id', 'seq'), name='one_version_per_number'),
        ),
    ]
