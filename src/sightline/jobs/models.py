"""A durable record of each background run (linkage, evaluation), so a restart loses none.

A run records itself here before it starts and marks itself done when it ends.
One killed part way (a restart, out of memory) is left "running" under a process
that no longer exists; ``sightline worker`` finds it so and runs it again. That
is safe because every run it holds is idempotent: a second run after a partial
one gives the same persons and flags as one clean run.
"""

from __future__ import annotations

from django.db import models


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # A sightline command and its arguments, run again as they were given.
    command = models.CharField(max_length=32)
    arguments = models.CharField(max_length=500, blank=True, help_text="shell-quoted")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    owner = models.CharField(max_length=200, blank=True, help_text="host, process id, start")
    attempts = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="interruptions and who finished the work")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="job_status_created")]

    def __str__(self) -> str:
        return f"job {self.pk}: sightline {self.command} {self.arguments}".strip()
