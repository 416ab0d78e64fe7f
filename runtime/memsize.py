"""QEMU's -m syntax: '128M', '1G', '512k', a bare number in MiB,
optionally 'size=...'; QEMU rounds up to 8 KiB."""

import math

RAM_UNITS = {"": 1 << 20, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
RAM_ALIGN = 8192


def parse_ram_size(text, max_size):
    """Bytes; ValueError with the reason (bad syntax, not finite, too
    small, larger than max_size)."""
    spec = text.strip()
    if spec.startswith("size="):
        spec = spec[5:]
    spec = spec.split(",")[0]
    unit = spec[-1:].lower() if spec[-1:].isalpha() else ""
    number = spec[:-1] if unit else spec
    bad = "invalid RAM size '%s' (use e.g. 128M, 1G or a number of MiB)" % text
    if unit not in RAM_UNITS:
        raise ValueError(bad)
    try:
        value = float(number)
    except ValueError:
        raise ValueError(bad) from None
    if not math.isfinite(value):
        raise ValueError("invalid RAM size '%s' (not a finite number)" % text)
    if value * RAM_UNITS[unit] > max_size:
        raise ValueError("RAM size '%s' is too large (at most %d MiB here)"
                         % (text, max_size >> 20))
    size = -(-int(value * RAM_UNITS[unit]) // RAM_ALIGN) * RAM_ALIGN
    if size <= 0:
        raise ValueError("RAM size '%s' is too small" % text)
    if size > max_size:
        raise ValueError("RAM size '%s' is too large (at most %d MiB here)"
                         % (text, max_size >> 20))
    return size
