"""A generic matcher built from encoding tables.

An encoding is one line of data: a name, a 32-character bit pattern and
the lifting function.  In the pattern `0`/`1` are fixed bits, `-` is a
don't-care bit and letters name fields; a letter may appear in several
runs, which are concatenated high to low.  The letters become keyword
arguments of the lifter:

    Encoding("ADD_imm", "cccc0010100Snnnnddddrrrrvvvvvvvv", lift_add_imm)
        -> lift_add_imm(ctx, S=.., n=.., d=.., r=.., v=..)

The same matcher decodes T32: 16-bit encodings have 16-character
patterns, 32-bit ones 32 characters (first halfword in the high bits);
each width is its own Decoder (the `width` and `key_bits` arguments).

A pattern beginning with `cccc` is a conditional instruction: it does not
match the unconditional space (cond == 0b1111) and its lifter does not get
`c` (the translator emits the condition check around it).

Overlapping encodings are resolved by specificity: the pattern with more
fixed bits wins; equal specificity is an error at build time unless the
tables order them explicitly with `priority` (higher wins).
"""

from collections import namedtuple

Encoding = namedtuple("Encoding", "name pattern lift priority")
Encoding.__new__.__defaults__ = (0,)


class Pattern:
    __slots__ = ("name", "mask", "value", "fields", "lift", "conditional",
                 "specificity", "priority")

    def __init__(self, enc, width=32, cond_prefix=True):
        p = enc.pattern.replace(" ", "").replace("_", "")
        if len(p) != width:
            raise ValueError("%s: pattern has %d bits, not %d" % (enc.name, len(p), width))
        self.name = enc.name
        self.lift = enc.lift
        self.priority = enc.priority
        self.conditional = cond_prefix and p.startswith("cccc")
        mask = value = 0
        segs = {}
        for i, ch in enumerate(p):
            bit = width - 1 - i
            if ch in "01":
                mask |= 1 << bit
                value |= int(ch) << bit
            elif ch == "-":
                pass
            elif ch.isalpha():
                segs.setdefault(ch, []).append(bit)
            else:
                raise ValueError("%s: bad pattern character %r" % (enc.name, ch))
        if self.conditional:
            del segs["c"]
        # merge each field's bits into (shift, width) runs, high to low
        self.fields = []
        for letter, bits in segs.items():
            runs = []
            for bit in bits:  # descending
                if runs and runs[-1][0] - 1 == bit:
                    runs[-1] = (bit, runs[-1][1] + 1)
                else:
                    runs.append((bit, 1))
            self.fields.append((letter, tuple(runs)))
        self.mask = mask
        self.value = value
        self.specificity = bin(mask).count("1")

    def matches(self, insn):
        if insn & self.mask != self.value:
            return False
        return not (self.conditional and insn >> 28 == 0xF)

    def extract(self, insn):
        out = {}
        for letter, runs in self.fields:
            v = 0
            for low, width in runs:
                v = (v << width) | ((insn >> low) & ((1 << width) - 1))
            out[letter] = v
        return out


# A32 buckets on bits 27:20 and 7:4, the bits the ARM ARM's top-level
# decode tables switch on; each bucket keeps its candidates most specific
# first.  Key bits are listed high to low.
A32_KEY_BITS = [(27 - i) for i in range(8)] + [7, 6, 5, 4]


class Decoder:
    def __init__(self, encodings, width=32, key_bits=A32_KEY_BITS, cond_prefix=True):
        self.width = width
        self.key_bits = list(key_bits)
        self._a32_key = self.key_bits == A32_KEY_BITS
        self.patterns = [Pattern(e, width, cond_prefix) for e in encodings]
        names = [p.name for p in self.patterns]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError("duplicate encoding names: %s" % sorted(dup))
        nkeys = 1 << len(self.key_bits)
        self.buckets = [[] for _ in range(nkeys)]
        for p in self.patterns:
            for key in self._keys_of(p):
                self.buckets[key].append(p)
        for b in self.buckets:
            b.sort(key=lambda p: (-p.priority, -p.specificity))

    def _key(self, insn):
        k = 0
        for bit in self.key_bits:
            k = (k << 1) | (insn >> bit & 1)
        return k

    def _keys_of(self, p):
        # enumerate all keys consistent with the pattern's fixed bits
        nbits = len(self.key_bits)
        fixed_mask = fixed_val = 0
        for pos, bit in enumerate(self.key_bits):
            kbit = nbits - 1 - pos
            if p.mask >> bit & 1:
                fixed_mask |= 1 << kbit
                fixed_val |= (p.value >> bit & 1) << kbit
        return [k for k in range(1 << nbits) if k & fixed_mask == fixed_val]

    def decode(self, insn):
        """(pattern, fields) of the encoding that matches insn, or None."""
        if self._a32_key:   # the hot A32 case, inlined
            key = ((insn >> 16) & 0xFF0) | ((insn >> 4) & 0xF)
        else:
            key = self._key(insn)
        for p in self.buckets[key]:
            if p.matches(insn):
                return p, p.extract(insn)
        return None

    def ambiguities(self):
        """Pairs of equally specific, equal-priority patterns that overlap."""
        out = []
        for i, p in enumerate(self.patterns):
            for q in self.patterns[i + 1:]:
                common = p.mask & q.mask
                if (p.value ^ q.value) & common:
                    continue
                if p.specificity == q.specificity and p.priority == q.priority:
                    out.append((p.name, q.name))
        return out
