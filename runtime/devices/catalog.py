"""The -device names armtcg knows, with their one-line descriptions
(`-device help`)."""

DEVICE_HELP = {
    "virtio-blk-device": "Virtio block device (virtio-mmio transport)",
    "virtio-rng-device": "Virtio entropy source (virtio-mmio transport)",
}
