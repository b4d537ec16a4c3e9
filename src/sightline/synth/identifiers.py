"""Identifiers: NHS numbers, UPNs, local ids and record ids.

Every identifier is computed from a number that belongs to one family (family
number times a fixed stride, plus a slot), never from a running counter. That
keeps a family's output independent of every other family's, so families can
be generated in any order or in parallel and the files still come out
byte-identical for a seed. A keyed Feistel permutation turns those structured
numbers into ids that look arbitrary, so nothing in a feed betrays which
records came from one family.
"""

from __future__ import annotations

import random
import zlib

from stdnum.gb import upn as _upn

# NHS numbers starting with 9 are never issued to patients (test and synthetic
# use), so generated numbers cannot collide with a real person's.
_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
NORFOLK_LA = "926"


class Permutation:
    """A keyed bijection on ``range(base * base)``: a four-round Feistel network."""

    __slots__ = ("base", "keys")

    def __init__(self, key: str, base: int) -> None:
        self.base = base
        seed = zlib.crc32(key.encode("utf-8"))
        self.keys = tuple((seed * (i + 7919) + i * 104729) & 0xFFFFFFFF for i in range(4))

    def __call__(self, value: int) -> int:
        base = self.base
        if not 0 <= value < base * base:
            raise ValueError(f"{value} is outside this permutation's range")
        left, right = divmod(value, base)
        for k in self.keys:
            mixed = ((right ^ k) * 2654435761 + k) & 0xFFFFFFFF
            left, right = right, (left + (mixed >> 7)) % base
        return left * base + right


def nhs_check_digit(body: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when no digit is valid."""
    total = sum(w * (ord(c) - 48) for w, c in zip(_NHS_WEIGHTS, body, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_is_valid(number: str) -> bool:
    digits = number.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


class NhsNumbers:
    """Valid, unique NHS numbers in the 9xx range, one per person index.

    For any eight leading digits at most one ninth digit makes the check digit
    10, so each eight-digit prefix carries nine valid numbers; index // 9 picks
    the (permuted) prefix and index % 9 the valid ninth digit.
    """

    CAPACITY = 9 * 10**7

    def __init__(self, key: str) -> None:
        self._offset = zlib.crc32(f"nhs|{key}".encode()) % 10**7

    def __call__(self, index: int) -> str:
        if not 0 <= index < self.CAPACITY:
            raise ValueError("too many people for the NHS number space")
        # Affine maps with multipliers coprime to the modulus are bijections. The first
        # spreads neighbouring indexes (one family's members) over unrelated prefixes.
        spread = (index * 7_777_777 + self._offset) % self.CAPACITY
        prefix = f"9{(spread // 9 * 3_141_593 + self._offset) % 10**7:07d}"
        wanted = spread % 9
        for digit in "0123456789":
            body = prefix + digit
            check = nhs_check_digit(body)
            if check is None:
                continue
            if wanted == 0:
                return body + str(check)
            wanted -= 1
        raise AssertionError("every prefix has nine valid numbers")


def nhs_corrupt(rng: random.Random, number: str) -> str:
    """A mistyped NHS number: one digit changed or two neighbours swapped.

    Either change moves the weighted sum by a non-multiple of 11 (the weights
    2-10 and the digit differences 1-9 share no factor with 11), so the result
    always fails the check, as a real keying error almost always does.
    """
    digits = list(number)
    if rng.random() < 0.5:
        pos = rng.randrange(9)
        for _ in range(10):
            if digits[pos] != digits[pos + 1]:
                digits[pos], digits[pos + 1] = digits[pos + 1], digits[pos]
                return "".join(digits)
            pos = rng.randrange(9)
    pos = rng.randrange(1, 10)
    digits[pos] = rng.choice([d for d in "0123456789" if d != digits[pos]])
    return "".join(digits)


def nhs_spaced(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


class Upns:
    """Valid, unique Unique Pupil Numbers issued in Norfolk (LA 926).

    A UPN is the check letter, LA number, a four-digit school number, the two-
    digit year of issue and a three-digit serial. The child index is spread
    over (school, serial) by an affine bijection, so no two children share one.
    """

    _SPACE = 8000 * 1000

    def __init__(self, key: str) -> None:
        self._offset = zlib.crc32(f"upn|{key}".encode()) % self._SPACE

    def __call__(self, index: int, year: int) -> str:
        if not 0 <= index < self._SPACE:
            raise ValueError("too many children for the UPN space")
        mixed = (index * 7_654_321 + self._offset) % self._SPACE
        school, serial = divmod(mixed, 1000)
        body = f"{NORFOLK_LA}{2000 + school:04d}{year % 100:02d}{serial:03d}"
        return str(_upn.calc_check_digit(body)) + body


def upn_corrupt(rng: random.Random, upn: str) -> str:
    """A mistyped UPN: one digit of the serial changed, check letter left as it was.

    The UPN check is a weighted sum modulo 23 with weights up to 13, so any
    single-digit change is caught.
    """
    pos = rng.randrange(10, 13)
    digits = list(upn)
    digits[pos] = rng.choice([d for d in "0123456789" if d != digits[pos]])
    return "".join(digits)


def upn_is_valid(upn: str) -> bool:
    return bool(_upn.is_valid(upn))
