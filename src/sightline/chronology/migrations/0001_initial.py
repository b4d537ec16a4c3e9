from django.db import migrations, models

# The view behind chronology.Event: the current version of every record, with
# the local id of the person it is about. Plain SQL that SQLite and PostgreSQL
# both accept.
CREATE_VIEW = """
CREATE VIEW chronology_event AS
SELECT s.id AS id, s.id AS source_record_id, s.agency_id AS agency_id,
       s.record_id AS record_id, s.type AS type, s.occurred_on AS occurred_on,
       s.occurred_at AS occurred_at, sr.local_id AS subject_local_id
FROM feeds_recordhead h
JOIN feeds_sourcerecord s ON s.id = h.source_record_id
JOIN feeds_subjectrecord sr ON sr.source_record_id = s.id AND sr.role = 'subject'
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = [("feeds", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("record_id", models.CharField(max_length=128)),
                ("type", models.CharField(max_length=40)),
                ("occurred_on", models.DateField()),
                ("occurred_at", models.DateTimeField(blank=True, null=True)),
                ("subject_local_id", models.CharField(max_length=128)),
                ("agency", models.ForeignKey(on_delete=models.DO_NOTHING, related_name="+",
                                             to="feeds.agency")),
                ("source_record", models.OneToOneField(on_delete=models.DO_NOTHING,
                                                       related_name="event",
                                                       to="feeds.sourcerecord")),
            ],
            options={"db_table": "chronology_event", "managed": False},
        ),
        migrations.RunSQL(CREATE_VIEW, "DROP VIEW chronology_event"),
    ]
