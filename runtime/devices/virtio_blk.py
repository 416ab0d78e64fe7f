"""virtio-blk (virtio 1.2 section 5.2) over a runtime/blockdev.py image.

One request queue.  A request is a chain whose device-readable part is the
16-byte header {le32 type, le32 reserved, le64 sector} followed, for
writes, by the data, and whose device-writable part is the data for reads
(or the 20-byte id for GET_ID) followed by one status byte (5.2.6).  With
VIRTIO_F_VERSION_1 the driver may split these across descriptors any way
it likes (ANY_LAYOUT is implied, 2.6.4.3), so the device reads the
readable bytes as one stream and writes the writable ones as one stream.

Config space (5.2.4), little-endian, as QEMU 7.2 fills it:
    0x00 capacity   le64  in 512-byte sectors
    0x08 size_max   le32  0 (VIRTIO_BLK_F_SIZE_MAX not offered)
    0x0c seg_max    le32  queue size - 2 = 254 (QEMU's seg-max-adjust)
    0x10 geometry   4 bytes, 0 (VIRTIO_BLK_F_GEOMETRY not offered)
    0x14 blk_size   le32  512
    0x18 topology   8 bytes, 0
    0x20 writeback  u8 1 (write-back cache: the guest must FLUSH)
    0x22 num_queues le16 1
"""

import struct

from runtime.blockdev import SECTOR_SIZE, BlockdevError
from runtime.devices.virtio_mmio import VirtioDevice
from runtime.devices.virtqueue import VirtqError

DEVICE_ID = 2

# feature bits (5.2.3)
VIRTIO_BLK_F_SEG_MAX = 2
VIRTIO_BLK_F_RO = 5
VIRTIO_BLK_F_BLK_SIZE = 6
VIRTIO_BLK_F_FLUSH = 9

# request types and status values (5.2.6)
VIRTIO_BLK_T_IN = 0
VIRTIO_BLK_T_OUT = 1
VIRTIO_BLK_T_FLUSH = 4
VIRTIO_BLK_T_GET_ID = 8
VIRTIO_BLK_S_OK = 0
VIRTIO_BLK_S_IOERR = 1
VIRTIO_BLK_S_UNSUPP = 2

HEADER = struct.Struct("<IIQ")
ID_BYTES = 20                   # VIRTIO_BLK_ID_BYTES
QUEUE_SIZE = 256                # QEMU's default queue-size; seg_max follows it
SEG_MAX = QUEUE_SIZE - 2


class VirtioBlk(VirtioDevice):
    NAME = "virtio-blk"
    DEVICE_ID = DEVICE_ID
    NUM_QUEUES = 1
    STATE = ()                  # requests complete synchronously: nothing in flight

    def __init__(self, disk, serial=""):
        self.disk = disk
        self.serial = serial.encode()[:ID_BYTES]

    def features(self):
        bits = (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE) \
            | (1 << VIRTIO_BLK_F_FLUSH)
        if self.disk.readonly:
            bits |= 1 << VIRTIO_BLK_F_RO
        return bits

    def config(self):
        return struct.pack("<QIIIIQBBH", self.disk.sectors, 0, SEG_MAX, 0, SECTOR_SIZE,
                           0, 1, 0, 1)

    def serve(self, queue, chain, transport):
        out = chain.read_all()
        if len(out) < HEADER.size or chain.in_size < 1:
            # QEMU: "virtio-blk missing headers" -> virtio_error
            raise VirtqError("virtio-blk request without header or status byte")
        kind, _, sector = HEADER.unpack_from(out)
        status = self._request(kind, sector, out[HEADER.size:], chain)
        chain.write(bytes([status]), offset=chain.in_size - 1)

    def _request(self, kind, sector, data, chain):
        data_in = chain.in_size - 1     # writable bytes before the status byte
        try:
            if kind == VIRTIO_BLK_T_IN:
                if not self._range_ok(sector, data_in):
                    return VIRTIO_BLK_S_IOERR
                chain.write(self.disk.read(sector * SECTOR_SIZE, data_in))
            elif kind == VIRTIO_BLK_T_OUT:
                if self.disk.readonly or not self._range_ok(sector, len(data)):
                    return VIRTIO_BLK_S_IOERR
                self.disk.write(sector * SECTOR_SIZE, data)
            elif kind == VIRTIO_BLK_T_FLUSH:
                self.disk.flush()
            elif kind == VIRTIO_BLK_T_GET_ID:
                chain.write(self.serial.ljust(ID_BYTES, b"\0")[:min(ID_BYTES, data_in)])
            else:
                return VIRTIO_BLK_S_UNSUPP
        except (BlockdevError, OSError):
            return VIRTIO_BLK_S_IOERR
        return VIRTIO_BLK_S_OK

    def _range_ok(self, sector, nbytes):
        """Whole sectors inside the disk (QEMU virtio_blk_sect_range_ok)."""
        if nbytes % SECTOR_SIZE:
            return False
        total = self.disk.sectors
        return sector <= total and nbytes // SECTOR_SIZE <= total - sector
