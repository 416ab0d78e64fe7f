"""virtio-console (virtio 1.2 section 5.3), as QEMU's `-device
virtio-serial-device` with `-device virtconsole,chardev=ID` ports.

Queues (5.3.2), for max_ports ports (QEMU default 31): 0/1 = port 0
receiveq/transmitq, 2/3 = control receiveq/transmitq, then 4+2(n-1) and
5+2(n-1) for port n.  QEMU creates all of them even when MULTIPORT is not
offered (max_ports=1).

Features (5.3.3): MULTIPORT when max_ports > 1, EMERG_WRITE (QEMU's
emergency-write=on default).  Config (5.3.4): le16 cols, le16 rows, le32
max_nr_ports, le32 emerg_wr; writing emerg_wr sends its low byte to port 0.

Without MULTIPORT port 0 is live from DRIVER_OK.  With it, the ports come
up through control messages {le32 id, le16 event, le16 value} (5.3.6.2),
as QEMU's virtio-serial-bus does: the driver sends DEVICE_READY, the device
answers DEVICE_ADD per port; on the driver's PORT_READY the device sends
CONSOLE_PORT (virtconsole), PORT_NAME (if named) and PORT_OPEN (host side
connected); the driver's PORT_OPEN opens the guest side, after which host
input (Port.feed) reaches the guest.
"""

import struct

from runtime.devices.virtio_mmio import VirtioDevice

DEVICE_ID = 3

VIRTIO_CONSOLE_F_SIZE = 0
VIRTIO_CONSOLE_F_MULTIPORT = 1
VIRTIO_CONSOLE_F_EMERG_WRITE = 2

# control events (5.3.6.2)
DEVICE_READY, DEVICE_ADD, DEVICE_REMOVE, PORT_READY = 0, 1, 2, 3
CONSOLE_PORT, RESIZE, PORT_OPEN, PORT_NAME = 4, 5, 6, 7

CONTROL = struct.Struct("<IHH")
CONTROL_RX, CONTROL_TX = 2, 3
EMERG_WR_OFFSET = 8
DEFAULT_MAX_PORTS = 31


def port_queues(port_id):
    """(receiveq, transmitq) of a port (5.3.2)."""
    rx = 0 if port_id == 0 else 2 + 2 * port_id
    return rx, rx + 1


class Port:
    """One port: output is a binary stream (None: host side not connected,
    output dropped); feed(data) queues host input for the guest."""

    STATE = ("pending", "guest_open")

    def __init__(self, console, port_id, output, is_console=True, name=None):
        self.console = console
        self.id = port_id
        self.output = output
        self.is_console = is_console
        self.name = name
        self.pending = bytearray()
        self.guest_open = False

    @property
    def host_connected(self):
        return self.output is not None

    def feed(self, data):
        self.pending += data
        self.console.deliver(self)

    def write_out(self, data):
        if self.output is not None and data:
            self.output.write(data)
            self.output.flush()


class VirtioConsole(VirtioDevice):
    NAME = "virtio-console"
    DEVICE_ID = DEVICE_ID
    STATE = ("control_out",)

    def __init__(self, max_ports=DEFAULT_MAX_PORTS, emergency_write=True, log=None):
        if not 1 <= max_ports <= 31:
            raise ValueError("virtio-serial-device: max_ports must be 1..31, not %d" % max_ports)
        self.max_ports = max_ports
        self.NUM_QUEUES = 2 * max_ports + 2
        self.emergency_write = emergency_write
        self.ports = {}
        self.control_out = []           # control messages waiting for a receive buffer
        self.transport = None
        self.log = log

    def add_port(self, output, port_id=None, is_console=True, name=None):
        """A port (QEMU's virtconsole/virtserialport); a console takes
        number 0 when free, as QEMU numbers them."""
        if port_id is None:
            free = [n for n in range(self.max_ports) if n not in self.ports]
            if is_console and 0 in free:
                port_id = 0
            else:
                free = [n for n in free if n > 0]
                if not free:
                    raise ValueError("virtio-serial-device: all %d ports in use" % self.max_ports)
                port_id = free[0]
        if port_id in self.ports or not 0 <= port_id < self.max_ports:
            raise ValueError("virtio-serial-device: port %d is taken or out of range" % port_id)
        port = Port(self, port_id, output, is_console, name)
        self.ports[port_id] = port
        return port

    # -- device interface
    def features(self):
        bits = 0
        if self.max_ports > 1:
            bits |= 1 << VIRTIO_CONSOLE_F_MULTIPORT
        if self.emergency_write:
            bits |= 1 << VIRTIO_CONSOLE_F_EMERG_WRITE
        return bits

    def config(self):
        return struct.pack("<HHII", 0, 0, self.max_ports, 0)

    def config_write(self, offset, data):
        if offset == EMERG_WR_OFFSET and self._negotiated(VIRTIO_CONSOLE_F_EMERG_WRITE):
            port = self.ports.get(0)
            if port is not None:
                port.write_out(data[:1])    # 5.3.4: the low byte is the character

    def _negotiated(self, bit):
        return self.transport is not None and self.transport.has_feature(bit)

    def reset(self):
        self.control_out = []
        for port in self.ports.values():
            port.guest_open = False

    def driver_ok(self, transport):
        if not self._negotiated(VIRTIO_CONSOLE_F_MULTIPORT) and 0 in self.ports:
            self.ports[0].guest_open = True     # 5.3.6: single port, live at once
            self.deliver(self.ports[0])

    def queue_notify(self, queue, transport):
        if queue == CONTROL_RX:
            self._flush_control()
        elif queue == CONTROL_TX:
            transport.drain(queue, self._control_from_guest)
        elif queue % 2 == 0:
            port = self._port_of_queue(queue)
            if port is not None:
                self.deliver(port)      # new receive buffers: pending input may go
        else:
            port = self._port_of_queue(queue)
            # a transmit queue without a port: the data is dropped, like QEMU
            transport.drain(queue, lambda chain: port and port.write_out(chain.read_all()))

    def _port_of_queue(self, queue):
        port_id = 0 if queue < 2 else (queue - 2) // 2
        return self.ports.get(port_id)

    # -- host -> guest data
    def deliver(self, port):
        """Move pending input into the port's receive buffers."""
        if self.transport is None or not port.guest_open:
            return
        rx, _ = port_queues(port.id)

        def serve(chain):
            n = min(chain.in_size, len(port.pending))
            chain.write(bytes(port.pending[:n]))
            del port.pending[:n]

        self.transport.drain(rx, serve, more=lambda: bool(port.pending))

    # -- control queues (MULTIPORT)
    def send_control(self, port_id, event, value, extra=b""):
        self.control_out.append(CONTROL.pack(port_id, event, value) + extra)
        self._flush_control()

    def _flush_control(self):
        if self.transport is None:
            return

        def serve(chain):
            msg = self.control_out.pop(0)
            chain.write(msg[:chain.in_size])    # QEMU truncates to the buffer too

        self.transport.drain(CONTROL_RX, serve, more=lambda: bool(self.control_out))

    def _control_from_guest(self, chain):
        data = chain.read_all()
        if len(data) < CONTROL.size:
            return                              # QEMU ignores a short message
        port_id, event, value = CONTROL.unpack_from(data)
        if event == DEVICE_READY:
            if value:
                for pid in sorted(self.ports):
                    self.send_control(pid, DEVICE_ADD, 1)
            return
        port = self.ports.get(port_id)
        if port is None:
            return
        if event == PORT_READY and value:
            if port.is_console:
                port.guest_open = True          # QEMU: guest_connected for consoles
                self.send_control(port.id, CONSOLE_PORT, 1)
            if port.name:
                self.send_control(port.id, PORT_NAME, 1, port.name.encode() + b"\0")
            if port.host_connected:
                self.send_control(port.id, PORT_OPEN, 1)
            self.deliver(port)                  # QEMU: guest_ready -> accept input
        elif event == PORT_OPEN:
            port.guest_open = bool(value)
            self.deliver(port)

    def state(self):
        return {"control_out": list(self.control_out),
                "ports": {pid: {"pending": bytes(p.pending), "guest_open": p.guest_open}
                          for pid, p in self.ports.items()}}
