"""The no-code workflow: job files, automatic feature encodings, tuning and run directories."""

from graphguard.workflow.job import Job, LoadedJob, load_job, parse_job

__all__ = ["Job", "LoadedJob", "load_job", "parse_job"]
