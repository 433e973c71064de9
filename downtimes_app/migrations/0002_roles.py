from django.db import migrations

ROLES = ("viewer", "editor")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    """The two roles are Django groups: `viewer` reads, `editor` writes."""

    dependencies = [("downtimes_app", "0001_audit_entry"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
