"""The A32 decoder: every A32 encoding table, merged into one matcher."""

from frontend.decoder import Decoder
from frontend.a32_dp import ENCODINGS_DP
from frontend.a32_mem import ENCODINGS_MEM
from frontend.a32_sys import ENCODINGS_SYS
from frontend.a32_vfp import ENCODINGS_VFP

ENCODINGS = ENCODINGS_DP + ENCODINGS_MEM + ENCODINGS_SYS + ENCODINGS_VFP
DECODER = Decoder(ENCODINGS)
