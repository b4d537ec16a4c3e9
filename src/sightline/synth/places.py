"""Norfolk-like areas, postcodes and addresses.

The five areas decide which hospital, GP network, schools and district housing
authority a family deals with, so a family that moves across an area boundary
turns up in new agencies under new local ids, as real families do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sightline.synth.names import ABBREVIATIONS, STREET_KINDS, STREETS

AREAS: tuple[str, ...] = ("norwich", "yarmouth", "lynn", "north", "south")

# (postcode district, post town), weighted by rough population.
DISTRICTS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "norwich": (
        ("NR1", "Norwich", 3),
        ("NR2", "Norwich", 3),
        ("NR3", "Norwich", 4),
        ("NR4", "Norwich", 2),
        ("NR5", "Norwich", 3),
        ("NR6", "Norwich", 3),
        ("NR7", "Norwich", 3),
        ("NR8", "Norwich", 2),
    ),
    "yarmouth": (
        ("NR30", "Great Yarmouth", 5),
        ("NR31", "Great Yarmouth", 4),
        ("NR29", "Great Yarmouth", 1),
    ),
    "lynn": (
        ("PE30", "King's Lynn", 5),
        ("PE31", "King's Lynn", 1),
        ("PE33", "King's Lynn", 1),
        ("PE34", "King's Lynn", 1),
        ("PE36", "Hunstanton", 1),
        ("PE37", "Swaffham", 1),
        ("PE38", "Downham Market", 2),
    ),
    "north": (
        ("NR26", "Sheringham", 1),
        ("NR27", "Cromer", 2),
        ("NR28", "North Walsham", 2),
        ("NR25", "Holt", 1),
        ("NR21", "Fakenham", 2),
        ("NR11", "Norwich", 1),
        ("NR23", "Wells-next-the-Sea", 1),
    ),
    "south": (
        ("NR18", "Wymondham", 2),
        ("NR17", "Attleborough", 1),
        ("NR19", "Dereham", 2),
        ("NR20", "Dereham", 1),
        ("IP24", "Thetford", 3),
        ("IP22", "Diss", 1),
        ("NR14", "Norwich", 1),
        ("NR15", "Norwich", 1),
        ("NR16", "Norwich", 1),
    ),
}

_DISTRICT_CHOICES = {
    area: ([d for d in rows], [w for (_, _, w) in rows]) for area, rows in DISTRICTS.items()
}

# Inward code letters: the Royal Mail never uses C, I, K, M, O or V there.
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Address:
    postcode: str
    number: str
    street: str
    kind: str
    town: str

    def line(self, style: str) -> str:
        """The address as one agency's system would print it."""
        if style == "abbrev":
            town = self.town.replace("Great ", "Gt ").replace("King's", "Kings")
            return f"{self.number} {self.street} {ABBREVIATIONS.get(self.kind, self.kind)}, {town}"
        text = f"{self.number} {self.street} {self.kind}, {self.town}"
        if style == "upper":
            return text.upper()
        if style == "street":
            return f"{self.number} {self.street} {self.kind}"
        return text


def postcode_variant(postcode: str, style: int) -> str:
    """Postcodes as typed: mostly tidy, sometimes without the space or in lower case."""
    if style == 1:
        return postcode.replace(" ", "")
    if style == 2:
        return postcode.lower()
    return postcode


def random_address(rng: random.Random, area: str) -> Address:
    rows, weights = _DISTRICT_CHOICES[area]
    district, town, _ = rng.choices(rows, weights)[0]
    inward = f"{rng.randrange(10)}{rng.choice(_UNIT_LETTERS)}{rng.choice(_UNIT_LETTERS)}"
    number = str(rng.randint(1, 140))
    if rng.random() < 0.12:
        # Flats are where recording goes wrong most: the flat number is often dropped.
        number = f"Flat {rng.randint(1, 12)}, {number}"
    return Address(
        postcode=f"{district} {inward}",
        number=number,
        street=rng.choice(STREETS),
        kind=rng.choice(STREET_KINDS),
        town=town,
    )
