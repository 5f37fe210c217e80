from django.db import migrations


def install(apps, schema_editor):
    from intramuros.documents.shipped import install_shipped

    install_shipped(apps.get_model("documents", "LetterTemplate"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
