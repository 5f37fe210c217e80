"""The (start) index of appointments also holds the status and the patient: the search reads the ids of the
day's patients on every keystroke (today's patients come first), one table page per appointment until now.
It still serves every query the old one served (same leading column)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("agenda", "0002_grid_covering_index")]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["start", "status", "patient"], name="agenda_appt_day_cover"),
        ),
        migrations.RemoveIndex(model_name="appointment", name="agenda_appo_start_225af2_idx"),
    ]
