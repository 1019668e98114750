"""The soak's faults on the machine itself (root): a small filesystem for the store that can
be filled and whose writes can be slowed, and a Kafka broker to stop.

Why these mechanisms:

* **Disk.** The store's home lives on an ext4 filesystem in a loop device over a sparse
  file of ``size_mib`` (``losetup`` + ``mkfs.ext4`` + ``mount``): a real block device and a
  real filesystem, so ENOSPC and fsync behave as on a disk. Filling it is a ballast file:
  ``posix_fallocate`` of all but the last 8 MiB (fast), then writes until the kernel says
  ENOSPC, so that the last blocks go the way the store's own writes go.
* **Slow fsync.** device-mapper (``dm-delay``) is not in this kernel, so writes are
  slowed with the block layer's own throttle instead: a cgroup-v1 ``blkio`` rule
  ``write_iops_device`` for *this loop device only* (major:minor), set in the root blkio
  cgroup so that every writer is throttled, the journal thread included. Each fsync then
  waits for its writes to pass the throttle (measured here: ~4 ms per 4 KiB write+fsync
  unthrottled, ~570 ms at 10 write IOPS). On cgroup v2 the same is ``io.max wiops=``.
* **Broker stop.** ``tools/kafka/kafka.sh kill-broker N`` / ``start-broker N`` of the
  cluster the caller names (the soak never touches a cluster it did not start, except in
  the serial Kafka pass of CI, whose fault tests stop and restore brokers already).
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from pathlib import Path

BLKIO = Path("/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device")
IO_MAX_V2 = Path("/sys/fs/cgroup/io.max")


class FaultUnavailable(RuntimeError):
    """The machine cannot inject this fault (not root, no loop devices, no throttle)."""


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise FaultUnavailable(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")
    return done.stdout.strip()


class LoopDisk:
    """An ext4 filesystem on a loop device over a sparse file; mounted at ``mount``."""

    def __init__(self, image: Path, mount: Path, size_mib: int) -> None:
        self.image = image
        self.mount = mount
        self.size_mib = size_mib
        self.device: str | None = None
        self.ballast = mount / "ballast.fill"
        self.throttled = False

    def __enter__(self) -> LoopDisk:
        if os.geteuid() != 0:
            raise FaultUnavailable("the disk faults need root (losetup, mount)")
        with self.image.open("wb") as image:
            image.truncate(self.size_mib * 1024 * 1024)
        self.device = run("losetup", "--find", "--show", str(self.image))
        try:
            run("mkfs.ext4", "-q", "-F", self.device)
            self.mount.mkdir(parents=True, exist_ok=True)
            run("mount", "-t", "ext4", self.device, str(self.mount))
        except FaultUnavailable:
            run("losetup", "-d", self.device)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.unthrottle()
        if self.device is None:
            return
        for _ in range(50):  # a just-killed process may still hold a file open for a moment
            if subprocess.run(["umount", str(self.mount)], capture_output=True,
                              check=False).returncode == 0:
                break
            time.sleep(0.2)
        subprocess.run(["losetup", "-d", self.device], capture_output=True, check=False)
        self.image.unlink(missing_ok=True)
        self.device = None

    @property
    def major_minor(self) -> str:
        assert self.device is not None
        return (Path("/sys/block") / Path(self.device).name / "dev").read_text().strip()

    def free_bytes(self) -> int:
        stat = os.statvfs(self.mount)
        return stat.f_bavail * stat.f_frsize

    def fill(self) -> int:
        """Fill the filesystem with a ballast file until ENOSPC; the bytes it took."""
        written = max(0, self.free_bytes() - 8 * 1024 * 1024)
        chunk = b"\0" * (1024 * 1024)
        with self.ballast.open("wb", buffering=0) as ballast:
            if written:
                os.posix_fallocate(ballast.fileno(), 0, written)
                ballast.seek(written)
            while True:
                try:
                    written += ballast.write(chunk) or 0
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
            try:
                os.fsync(ballast.fileno())
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
        # Smaller pieces too: the last megabyte can hold a WAL frame or two.
        with self.ballast.open("ab", buffering=0) as ballast:
            for _ in range(4096):
                try:
                    written += ballast.write(b"\0" * 4096) or 0
                except OSError:
                    break
        return written

    def drain(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def throttle(self, write_iops: int) -> None:
        """Slow every write to this device (and so every fsync) to ``write_iops``."""
        if BLKIO.exists():
            BLKIO.write_text(f"{self.major_minor} {write_iops}\n")
        elif IO_MAX_V2.exists():
            IO_MAX_V2.write_text(f"{self.major_minor} wiops={write_iops}\n")
        else:
            raise FaultUnavailable("no blkio throttle (cgroup v1 blkio or v2 io.max)")
        self.throttled = True

    def unthrottle(self) -> None:
        if not self.throttled:
            return
        if BLKIO.exists():
            BLKIO.write_text(f"{self.major_minor} 0\n")
        elif IO_MAX_V2.exists():
            IO_MAX_V2.write_text(f"{self.major_minor} wiops=max\n")
        self.throttled = False


def fsync_ms(folder: Path, count: int = 5) -> float:
    """Mean milliseconds of a 4 KiB append + fsync in ``folder`` (to print the slowdown)."""
    probe = folder / "fsync.probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        started = time.perf_counter()
        for _ in range(count):
            os.write(fd, b"p" * 4096)
            os.fsync(fd)
        return (time.perf_counter() - started) / count * 1000
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)


class KafkaBrokers:
    """Stop (SIGKILL) and restart one broker of a cluster run by ``tools/kafka/kafka.sh``."""

    def __init__(self, script: Path, nodes: int, env: dict[str, str] | None = None) -> None:
        self.script = script
        self.nodes = nodes
        self.env = {**os.environ, **(env or {})}

    def _kafka(self, *argv: str) -> None:
        done = subprocess.run(["bash", str(self.script), *argv, "--nodes", str(self.nodes)],
                              capture_output=True, text=True, env=self.env, check=False,
                              timeout=300)
        if done.returncode != 0:
            raise FaultUnavailable(f"kafka.sh {' '.join(argv)}: {done.stderr.strip()}")

    def stop(self, node: int) -> None:
        self._kafka("kill-broker", str(node))

    def start(self, node: int) -> None:
        self._kafka("start-broker", str(node))
        self._kafka("wait")
