"""Drive a guest's serial console the way a person at the terminal would:
wait for a prompt, type a command, read what it printed."""

import subprocess
import threading
import time


class Console:
    """A running emulator process whose stdin/stdout is the guest's UART."""

    def __init__(self, cmd, cwd=None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd)
        self.output = bytearray()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            with self._cond:
                self.output += chunk
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def expect(self, marker, start, timeout):
        """Wait until `marker` appears in the output after offset `start`;
        returns the offset just past it (AssertionError with the output on
        timeout or exit)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                i = self.output.find(marker, start)
                if i >= 0:
                    return i + len(marker)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError("no %r within %ss; output so far:\n%s"
                                         % (marker, timeout, bytes(self.output[-3000:])))
                self._cond.wait(min(left, 1.0))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def command(self, line, prompt, timeout):
        """Type a command; returns what it printed before the next prompt."""
        start = len(self.output)
        self.send(line + "\n")
        end = self.expect(prompt, start, timeout)
        return bytes(self.output[start:end - len(prompt)])

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        finally:
            self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
