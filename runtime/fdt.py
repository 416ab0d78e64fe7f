"""Flattened device trees, built and patched with libfdt (pylibfdt).

A board describes its tree as data: `Node(name, props, children)` where
each property value is one of
  - str            -> a NUL-terminated string
  - list of str    -> a string list ("a\\0b\\0")
  - Cells(...)     -> 32-bit big-endian cells
  - bytes          -> raw bytes
  - True           -> an empty (boolean) property
`build(root)` turns that into a DTB blob; `patch(blob, ...)` sets /chosen
and /memory in a DTB the user supplied (-dtb), as QEMU does; both raise
FdtError with a message naming the problem.  Phandles are plain Cells
values chosen by the board.
"""

import struct
from collections import namedtuple

import libfdt

Node = namedtuple("Node", "name props children")
Node.__new__.__defaults__ = ((), ())

MAX_DTB_SIZE = 2 << 20          # the largest tree built or accepted
GENERATED_DTB_SIZE = 1 << 20    # QEMU's create_fdt allocates this and never packs


def user_dtb_size(file_size):
    """What QEMU's load_device_tree allocates for a -dtb file."""
    return (file_size + 10000) * 2


class FdtError(Exception):
    pass


class Cells(tuple):
    """32-bit cells of a property value."""

    def __new__(cls, *values):
        return super().__new__(cls, values)


def reg_cells(addr_cells, size_cells, *pairs):
    """A reg property of (address, size) pairs in the given cell counts."""
    out = []
    for addr, size in pairs:
        out += _split(addr, addr_cells) + _split(size, size_cells)
    return Cells(*out)


def _split(value, ncells):
    return [(value >> (32 * (ncells - 1 - i))) & 0xFFFFFFFF for i in range(ncells)]


def encode_value(value):
    if value is True:
        return b""
    if isinstance(value, str):
        return value.encode() + b"\0"
    if isinstance(value, Cells):
        return struct.pack(">%dI" % len(value), *value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return b"".join(v.encode() + b"\0" for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError("unsupported device-tree property value %r" % (value,))


def padded(blob, totalsize):
    """The blob with its free space grown to totalsize bytes (libfdt's
    open_into).  QEMU hands guests unpacked trees -- 1 MiB for the ones it
    generates, (file size + 10000) * 2 for a -dtb -- and Linux reserves the
    whole blob, so the size shows in the kernel's memory totals."""
    fdt = libfdt.Fdt(bytearray(blob))
    if totalsize > fdt.totalsize():
        fdt.resize(totalsize)
    return bytes(fdt.as_bytearray())


def build(root, size=64 << 10):
    """The DTB of a Node tree (root's name is ignored), packed."""
    while True:
        sw = libfdt.FdtSw(size)
        try:
            sw.finish_reservemap()
            _emit(sw, root, "")
            return bytes(sw.as_fdt().as_bytearray())
        except libfdt.FdtException as e:
            if e.err != -libfdt.NOSPACE or size >= MAX_DTB_SIZE:
                raise FdtError("cannot build the device tree: %s" % e) from None
            size *= 2


def _emit(sw, node, name):
    sw.begin_node(name)
    for key, value in node.props:
        sw.property(key, encode_value(value))
    for child in node.children:
        _emit(sw, child, child.name)
    sw.end_node()


def load(data, what="-dtb"):
    """A libfdt.Fdt for a user's DTB, or FdtError naming what is wrong."""
    if len(data) < 40:
        raise FdtError("%s: not a device tree blob (%d bytes, too short)" % (what, len(data)))
    try:
        fdt = libfdt.Fdt(bytearray(data))
    except libfdt.FdtException as e:
        raise FdtError("%s: not a valid device tree blob (%s)" % (what, e)) from None
    if fdt.totalsize() > len(data):
        raise FdtError("%s: truncated device tree blob (header says %d bytes, file has %d)"
                       % (what, fdt.totalsize(), len(data)))
    try:
        _walk(fdt)
    except libfdt.FdtException as e:
        raise FdtError("%s: malformed device tree structure (%s)" % (what, e)) from None
    return fdt


def _walk(fdt):
    """Visit every node and property, so that a corrupt structure block is
    found now rather than by the guest."""
    offset, depth = fdt.path_offset("/"), 0
    while offset >= 0 and depth >= 0:
        prop = fdt.first_property_offset(offset, [libfdt.NOTFOUND])
        while prop >= 0:
            fdt.get_property_by_offset(prop)
            prop = fdt.next_property_offset(prop, [libfdt.NOTFOUND])
        offset, depth = fdt.next_node(offset, depth, [libfdt.NOTFOUND])


def _cells_of(fdt, node, name, default):
    try:
        return struct.unpack(">I", bytes(fdt.getprop(node, name)))[0]
    except libfdt.FdtException:
        return default


def patch(data, ram_base, ram_size, bootargs=None, initrd=None, extra_chosen=(),
          what="-dtb"):
    """Set /memory and /chosen in a user's DTB as QEMU's arm_load_dtb does:
    the memory node's reg to the RAM the board has, bootargs, the initrd
    range (linux,initrd-start/end) and extra /chosen properties
    ((name, value) pairs).  Returns the new blob."""
    fdt = load(data, what)
    fdt.resize(max(user_dtb_size(len(data)), fdt.totalsize() + 4096 + len(bootargs or "") + sum(
        len(encode_value(v)) + len(k) + 16 for k, v in extra_chosen)))
    try:
        root = fdt.path_offset("/")
        acells = _cells_of(fdt, root, "#address-cells", 2)
        scells = _cells_of(fdt, root, "#size-cells", 1)
        mem = _node(fdt, root, "memory", "memory@%x" % ram_base)
        fdt.setprop_str(mem, "device_type", "memory")
        fdt.setprop(mem, "reg", encode_value(reg_cells(acells, scells, (ram_base, ram_size))))
        chosen = _node(fdt, root, "chosen", "chosen")
        if bootargs is not None:
            fdt.setprop_str(chosen, "bootargs", bootargs)
        if initrd is not None:
            start, end = initrd
            fdt.setprop(chosen, "linux,initrd-start", encode_value(Cells(start)))
            fdt.setprop(chosen, "linux,initrd-end", encode_value(Cells(end)))
        for key, value in extra_chosen:
            fdt.setprop(chosen, key, encode_value(value))
    except libfdt.FdtException as e:
        raise FdtError("%s: cannot patch the device tree (%s)" % (what, e)) from None
    return bytes(fdt.as_bytearray())


def _node(fdt, root, base_name, new_name):
    """The first child of / named base_name or base_name@..., created if missing."""
    child = fdt.first_subnode(root, [libfdt.NOTFOUND])
    while child >= 0:
        name = fdt.get_name(child)
        if name == base_name or name.startswith(base_name + "@"):
            return child
        child = fdt.next_subnode(child, [libfdt.NOTFOUND])
    return fdt.add_subnode(root, new_name)


def get_prop(data, path, name):
    """A property's raw bytes (tests, dumpdtb checks); None if absent."""
    fdt = libfdt.Fdt(bytearray(data))
    try:
        return bytes(fdt.getprop(fdt.path_offset(path), name))
    except libfdt.FdtException:
        return None
