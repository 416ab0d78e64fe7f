"""Disk images for the block devices: a raw image file, as QEMU's `-drive
file=X,format=raw` opens it.

    BlockDevice(path, readonly=False, snapshot=False)
        .size (bytes), .readonly, read(offset, n), write(offset, data),
        flush(), close()
    parse_drive(text, snapshot=False) -> BlockDevice for a `-drive` option

Writes go straight to the file (os.pwrite, no host-side buffering) and are
made durable with os.fsync on flush() -- the guest's VIRTIO_BLK_T_FLUSH --
and on close(), which also runs at interpreter exit.  snapshot=True is
QEMU's -snapshot / snapshot=on: the file is opened read-only and writes land
in an in-memory overlay of 512-byte sectors that is dropped at exit.

Errors are ValueError (BlockdevError) with a message naming the file, as
QEMU's "Could not open 'X': ..." does: a missing file, a file we may not
write without readonly=on (QEMU refuses it the same way), a directory, an
image format other than raw.
"""

import atexit
import errno
import os

SECTOR_SIZE = 512
QCOW_MAGIC = b"QFI\xfb"     # a qcow/qcow2 header: refuse it as format=raw data


class BlockdevError(ValueError):
    pass


class BlockDevice:
    """A raw disk image (see the module docstring)."""

    def __init__(self, path, readonly=False, snapshot=False):
        self.path = str(path)
        self.readonly = bool(readonly)
        self.snapshot = bool(snapshot)
        self.overlay = {}            # snapshot mode: sector number -> bytes(512)
        self.fd = self._open()
        self.size = os.fstat(self.fd).st_size
        atexit.register(self.close)

    def _open(self):
        writable = not (self.readonly or self.snapshot)
        try:
            fd = os.open(self.path, os.O_RDWR if writable else os.O_RDONLY)
        except OSError as e:
            hint = ""
            if writable and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                hint = " (use readonly=on to open it read-only, or -snapshot)"
            raise BlockdevError("could not open disk image '%s': %s%s"
                                % (self.path, e.strerror, hint)) from None
        if not os.path.isfile(self.path) and not _is_block_device(fd):
            os.close(fd)
            raise BlockdevError("could not open disk image '%s': not a regular file" % self.path)
        return fd

    @property
    def sectors(self):
        """Capacity in whole 512-byte sectors (a partial tail is not visible)."""
        return self.size // SECTOR_SIZE

    def _check(self, offset, n):
        if self.fd is None:
            raise BlockdevError("disk image '%s' is closed" % self.path)
        if offset < 0 or n < 0 or offset + n > self.size:
            raise BlockdevError("access 0x%x+%d is beyond the end of '%s' (%d bytes)"
                                % (offset, n, self.path, self.size))

    def read(self, offset, n):
        self._check(offset, n)
        data = _pread_all(self.fd, offset, n)
        if not self.overlay:
            return data
        out = bytearray(data)
        for sector in range(offset // SECTOR_SIZE, -(-(offset + n) // SECTOR_SIZE)):
            block = self.overlay.get(sector)
            if block is not None:
                _merge(out, offset, sector * SECTOR_SIZE, block)
        return bytes(out)

    def write(self, offset, data):
        data = bytes(data)
        self._check(offset, len(data))
        if self.readonly:
            raise BlockdevError("disk image '%s' is read-only" % self.path)
        if self.snapshot:
            self._write_overlay(offset, data)
            return
        done = 0
        while done < len(data):
            done += os.pwrite(self.fd, data[done:], offset + done)

    def _write_overlay(self, offset, data):
        first = offset // SECTOR_SIZE
        last = -(-(offset + len(data)) // SECTOR_SIZE)
        for sector in range(first, last):
            start = sector * SECTOR_SIZE
            block = bytearray(self.read(start, min(SECTOR_SIZE, self.size - start)))
            lo, hi = max(offset, start), min(offset + len(data), start + len(block))
            block[lo - start:hi - start] = data[lo - offset:hi - offset]
            self.overlay[sector] = bytes(block)

    def flush(self):
        """Make the written data durable (nothing to do for an overlay)."""
        if self.fd is not None and not (self.readonly or self.snapshot):
            os.fsync(self.fd)

    def close(self):
        if self.fd is None:
            return
        try:
            self.flush()
        finally:
            os.close(self.fd)
            self.fd = None
            atexit.unregister(self.close)


def _is_block_device(fd):
    import stat
    return stat.S_ISBLK(os.fstat(fd).st_mode)


def _pread_all(fd, offset, n):
    chunks = []
    while n:
        chunk = os.pread(fd, n, offset)
        if not chunk:
            raise BlockdevError("short read at 0x%x" % offset)
        chunks.append(chunk)
        offset += len(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _merge(out, out_offset, block_offset, block):
    """Copy the part of `block` (at image offset block_offset) that overlaps
    `out` (at image offset out_offset) into out."""
    lo = max(out_offset, block_offset)
    hi = min(out_offset + len(out), block_offset + len(block))
    if lo < hi:
        out[lo - out_offset:hi - out_offset] = block[lo - block_offset:hi - block_offset]


# ---- QEMU's option syntax ------------------------------------------------------

def split_options(text):
    """QEMU's 'a=1,b=2' option string (',,' is a literal comma) -> list of
    (key, value) pairs in order; a bare word is (word, None)."""
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "," and text[i + 1:i + 2] == ",":
            cur.append(",")
            i += 2
            continue
        if c == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    pairs = []
    for p in parts:
        if not p:
            continue
        key, sep, value = p.partition("=")
        pairs.append((key, value if sep else None))
    return pairs


def parse_bool(key, value):
    """QEMU's on/off (also yes/no, true/false); a bare key means on."""
    if value is None:
        return True
    v = value.lower()
    if v in ("on", "yes", "true"):
        return True
    if v in ("off", "no", "false"):
        return False
    raise BlockdevError("parameter '%s' expects 'on' or 'off', not '%s'" % (key, value))


# -drive keys we accept; others are refused by name so a typo is not ignored
DRIVE_KEYS = ("file", "format", "if", "id", "readonly", "snapshot", "media", "cache",
              "aio", "discard", "werror", "rerror", "index")
NO_PCI = ("if=%s makes a PCI or other controller device in QEMU; armtcg's virt has no PCI: "
          "use -drive file=...,format=raw,if=none,id=ID -device virtio-blk-device,drive=ID")


def parse_drive(text, snapshot=False):
    """A `-drive` option -> an opened BlockDevice with .drive_id set.
    snapshot: QEMU's global -snapshot (a drive's snapshot=on also works).
    Only if=none is accepted: QEMU's virt turns if=virtio (its default) into
    a virtio-blk-pci, and we have no PCI bus."""
    opts = {}
    for key, value in split_options(text):
        if key not in DRIVE_KEYS:
            raise BlockdevError("-drive: unknown parameter '%s'" % key)
        opts[key] = value
    path = opts.get("file")
    if not path:
        raise BlockdevError("-drive %s: a file=PATH is needed" % text)
    interface = opts.get("if") or "virtio"   # virt's default block interface
    if interface != "none":
        raise BlockdevError("-drive %s: " % text + NO_PCI % interface)
    fmt = opts.get("format") or "raw"
    if fmt != "raw":
        raise BlockdevError("-drive %s: format '%s' is not supported (only format=raw)"
                            % (text, fmt))
    if opts.get("media", "disk") != "disk":
        raise BlockdevError("-drive %s: only media=disk is supported" % text)
    readonly = parse_bool("readonly", opts.get("readonly", "off"))
    snap = snapshot or parse_bool("snapshot", opts.get("snapshot", "off"))
    dev = BlockDevice(path, readonly=readonly, snapshot=snap)
    if opts.get("format") is None and dev.size >= 4 and dev.read(0, 4) == QCOW_MAGIC:
        dev.close()
        raise BlockdevError("disk image '%s' is a qcow image; only format=raw is supported"
                            % path)
    dev.drive_id = opts.get("id")
    return dev
