"""Hardware population count for numba.

numba 0.68 does not compile ``np.bitwise_count`` inside ``@njit``; LLVM's ``ctpop``
intrinsic lowers to the POPCNT instruction on any x86-64 CPU that has it (and to a
short bit-twiddling sequence elsewhere), so we expose it directly.
"""

from numba import types
from numba.extending import intrinsic


@intrinsic
def popcount64(typingctx, x):  # type: ignore[no-untyped-def]
    """Number of set bits of a 64-bit unsigned integer (``llvm.ctpop.i64``)."""
    if not isinstance(x, types.Integer) or x.bitwidth != 64:
        return None
    sig = types.int64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        (value,) = args
        return builder.ctpop(value)

    return sig, codegen
