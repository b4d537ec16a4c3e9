"""A small table of English given-name nicknames, for the given-name comparison.

Deliberately short: each entry is a pairing common enough in children's and
parents' records that an agency recording "Alfie" and another "Alfred" should
count as agreeing. A nickname may belong to several full names (Alex); each
name maps to every group it is in, and two names agree when they share one.
"""

from __future__ import annotations

NICKNAMES: dict[str, tuple[str, ...]] = {
    "ALEXANDER": ("ALEX", "XANDER", "SANDY"),
    "ALEXANDRA": ("ALEX", "LEXI", "SASHA", "SANDY"),
    "ALFRED": ("ALFIE", "ALF", "FRED", "FREDDIE"),
    "ANTHONY": ("TONY", "ANT"),
    "BENJAMIN": ("BEN", "BENJI", "BENNY"),
    "CATHERINE": ("CATH", "CATHY", "KATE", "KATIE", "KAT"),
    "KATHERINE": ("KATH", "KATHY", "KATE", "KATIE", "KAT"),
    "CHARLES": ("CHARLIE", "CHAS"),
    "CHARLOTTE": ("CHARLIE", "LOTTIE", "LOTTE"),
    "CHRISTOPHER": ("CHRIS", "KIT"),
    "CHRISTINE": ("CHRIS", "CHRISSIE", "TINA"),
    "DANIEL": ("DAN", "DANNY"),
    "DAVID": ("DAVE", "DAVY"),
    "EDWARD": ("ED", "EDDIE", "TED", "TEDDY", "NED"),
    "ELEANOR": ("ELLIE", "NELL", "NELLIE", "NORA"),
    "ELIZABETH": ("BETH", "LIZ", "LIZZIE", "LIZZY", "ELIZA", "BETTY", "BETSY", "LIBBY"),
    "FLORENCE": ("FLO", "FLOSSIE"),
    "FREDERICK": ("FRED", "FREDDIE", "FREDDY"),
    "GABRIEL": ("GABE",),
    "HARRISON": ("HARRY",),
    "HENRY": ("HARRY", "HAL", "HANK"),
    "ISABELLA": ("BELLA", "IZZY", "ISSY"),
    "ISABELLE": ("BELLE", "IZZY", "ISSY"),
    "JACOB": ("JAKE",),
    "JAMES": ("JIM", "JIMMY", "JAMIE"),
    "JENNIFER": ("JEN", "JENNY"),
    "JONATHAN": ("JON", "JONNY", "JONNIE"),
    "JOSEPH": ("JOE", "JOEY"),
    "JOSHUA": ("JOSH",),
    "MARGARET": ("MAGGIE", "MEG", "PEGGY", "MAISIE"),
    "MATTHEW": ("MATT", "MATTY"),
    "MICHAEL": ("MIKE", "MIKEY", "MICKY"),
    "NATHANIEL": ("NATE", "NAT", "NATHAN"),
    "NICHOLAS": ("NICK", "NICKY"),
    "OLIVER": ("OLLIE", "OLLY"),
    "PATRICK": ("PAT", "PADDY"),
    "REBECCA": ("BECKY", "BECCA"),
    "RICHARD": ("RICH", "RICKY", "DICK"),
    "ROBERT": ("ROB", "ROBBIE", "BOB", "BOBBY"),
    "SAMUEL": ("SAM", "SAMMY"),
    "SAMANTHA": ("SAM", "SAMMY"),
    "SOPHIA": ("SOPHIE",),
    "STEPHEN": ("STEVE", "STEVIE"),
    "STEVEN": ("STEVE", "STEVIE"),
    "SUSAN": ("SUE", "SUZY"),
    "THEODORE": ("THEO", "TEDDY", "TED"),
    "THOMAS": ("TOM", "TOMMY"),
    "VICTORIA": ("VICKY", "TORI"),
    "WILLIAM": ("WILL", "WILLIE", "BILLY", "BILL", "LIAM"),
    "ZACHARY": ("ZACH", "ZAK", "ZAC"),
    "SEBASTIAN": ("SEB", "SEBBY", "SEBBIE"),
    "PENELOPE": ("PENNY", "POPPY"),
    "HARRIET": ("HATTIE", "HARRIE", "HETTY"),
    "MATILDA": ("TILLY", "TILLIE", "MATTIE"),
    "AMELIA": ("MILLIE", "MILLY", "AMY"),
    "EMILY": ("MILLIE", "EMMY"),
    "ISOBEL": ("IZZY", "ISSY", "BELLA"),
    "GEORGINA": ("GEORGIE", "GINA"),
    "GEORGE": ("GEORGIE",),
    "ARCHIBALD": ("ARCHIE",),
    "ALBERT": ("ALBIE", "BERT", "BERTIE"),
    "FRANCESCA": ("FRANKIE", "FRAN", "CESCA"),
    "FRANCIS": ("FRANKIE", "FRANK"),
    "JESSICA": ("JESS", "JESSIE"),
    "ABIGAIL": ("ABBIE", "ABBY", "ABI"),
    "GABRIELLA": ("GABBY", "ELLA"),
    "MADELEINE": ("MADDIE", "MADDY"),
    "MADISON": ("MADDIE", "MADDY"),
    "EVELYN": ("EVIE", "EVA"),
    "LOUISA": ("LOU", "LULU"),
    "LOUIS": ("LOUIE", "LOU"),
    "RONALD": ("RONNIE", "RON"),
    "REGINALD": ("REGGIE", "REG"),
    "LEONARD": ("LEN", "LENNY", "LEO"),
    "MAXIMILIAN": ("MAX",),
    "MAXWELL": ("MAX",),
}

_GROUPS: dict[str, set[str]] = {}
for _full, _short in NICKNAMES.items():
    for _name in (_full, *_short):
        _GROUPS.setdefault(_name, set()).add(_full)


def name_keys(name: str) -> list[str]:
    """The name itself and every full name it is a nickname of (upper case, sorted)."""
    if not name:
        return []
    return sorted({name} | _GROUPS.get(name, set()))
