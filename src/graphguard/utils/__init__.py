"""Small shared helpers: thread control, seeding, and safe model files."""

from graphguard.utils.threads import set_threads, get_threads
from graphguard.utils.seed import seed_everything

__all__ = ["set_threads", "get_threads", "seed_everything"]
