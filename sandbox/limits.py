"""Resource limits of one sandbox run."""

from dataclasses import dataclass

LONGEST_WALL_SECONDS = 60
"""The most wall-clock time an exercise may give one run."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use before the sandbox stops it."""

    wall_seconds: float = 10.0
    """Seconds a run may take before the host kills its container."""

    memory_mb: int = 256
    """Memory in MiB; swap is set equal so the container cannot swap."""

    cpus: float = 1.0
    """CPU cores the container may use."""

    pids: int = 64
    """Processes and threads the container may have at once."""

    scratch_mb: int = 32
    """Size in MiB of the writable /tmp (a tmpfs): the only writable place."""

    output_bytes: int = 1_000_000
    """Bytes of container output kept by the host; the rest is dropped."""

    open_files: int = 256
    """Open file descriptors per process."""

    file_bytes: int = 16_000_000
    """Largest file a process may write."""
