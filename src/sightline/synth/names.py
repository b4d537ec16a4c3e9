"""Names the synthetic borough draws from.

Invented combinations of common UK names; no list here describes a real person.
Children's names follow births 2008-2026, adults' names follow births 1970-2005,
because a mother called Ava or a baby called Tracey would look wrong to anyone
reviewing the data. A few names carry accents or apostrophes on purpose: feeds
must survive UTF-8 and punctuation, and agencies spell them differently.
"""

from __future__ import annotations

GIRLS: tuple[str, ...] = tuple(
    """
    Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya
    Florence Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe
    Sophie Alice Harper Matilda Isabelle Ruby Millie Emilia Maya Jessica Chloe Holly
    Ellie Lucy Megan Lola Erin Scarlett Amber Hannah Layla Eva Imogen Zara Summer Molly
    Maisie Esme Thea Ada Luna Aria Bonnie Nancy Mabel Hallie Violet Iris Robyn Georgia
    Katie Leah Lexi Paige Abigail Eliza Harriet Martha Beatrice Edith Orla Niamh Aisha
    Maryam Fatima Zainab Amelie Heidi Darcie Lacey Tilly Demi Skye Jasmine Caitlin
    Bethany Kayla Lauren Eleanor Elizabeth Margaret Victoria Rebecca Natalie Alexandra
    Gracie Brooke Mollie Lydia Clara Anna Hazel Macie Lottie Penelope Rose Elodie Ayla
    Lyla Delilah Zoë Chloë Renée Lily-Mae Amelia-Rose Ella-Grace Josephine Katherine
    Francesca Gabriella Jodie Tegan Maddison Leila Kacey Aimee Rhiannon Naomi Serena
    Julia Ruth Stella Nell Primrose Wren Hollie Myla Nova Lilly Ottilie Juniper Rosalie
    Olive Cora Marnie Arabella Felicity
""".split()  # noqa: SIM905 - a word list reads best as one
)

BOYS: tuple[str, ...] = tuple(
    """
    Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry Thomas
    Freddie Alfie Theo William Theodore Archie Joshua Alexander James Isaac Edward Lucas
    Tommy Finley Max Logan Ethan Teddy Benjamin Arlo Joseph Sebastian Harrison Elijah
    Adam Daniel Samuel Louie Mason Reuben Albie Rory Jude Hugo Dylan Riley Jaxon Tyler
    Kai Jayden Callum Kieran Liam Connor Ryan Lewis Bradley Jake Luke Nathan Aaron Owen
    Billy Frankie Ronnie Stanley Reggie Harvey Bobby Toby Zachary Ollie Caleb Ezra Ellis
    Jenson Louis Michael Matthew Christopher Robert Ibrahim Yusuf Omar Ali Hamza Kayden
    Brandon Corey Jamie Rhys Cameron Mohammed Frederick Albert Alfred Ronan Carter
    Elliot Nathaniel Austin Felix Rowan Jesse Kyle Declan Grayson Ashton Blake Brody Zak
    Tobias Gabriel Jasper Milo Otis Ralph Hunter Jackson Kian Alex Marley Leon Jayce
    Charlie-Ray Kobe Tristan Morgan Joel Nicholas Jonathan Patrick Vincent Maximilian
    Finn Roman Ezekiel Ted Louis-James
""".split()  # noqa: SIM905 - a word list reads best as one
)

WOMEN: tuple[str, ...] = tuple(
    """
    Sarah Emma Laura Gemma Kelly Lisa Claire Rebecca Stacey Amy Hayley Samantha Nicola
    Michelle Donna Kerry Joanne Natalie Danielle Leanne Charlotte Jade Victoria Katie
    Zoe Carly Jodie Kirsty Louise Rachel Jennifer Jessica Amanda Tracey Sharon Karen
    Dawn Becky Chelsea Shannon Chantelle Kayleigh Tanya Sophie Hannah Lauren Abbie
    Jemma Marta Agnieszka Joanna Katarzyna Aistė Ana Fatima Ayesha Nadia Kimberley
    Sian Siobhan Melissa Vicky Kate Helen Caroline Lucy Charlene Toni Stephanie
    Jasmine Holly Leah Chloe Amber Shelley Tasha Courtney Georgina
    Naomi Rosie Bethany Ellie Megan Nikki Jo-Anne Aimée
""".split()  # noqa: SIM905 - a word list reads best as one
)

MEN: tuple[str, ...] = tuple(
    [
        "Lee",
        "Dean",
        "Craig",
        "Darren",
        "Wayne",
        "Jason",
        "Mark",
        "Paul",
        "Stephen",
        "Gary",
        "Shaun",
        "Ryan",
        "Daniel",
        "Matthew",
        "Christopher",
        "James",
        "Michael",
        "David",
        "Andrew",
        "Richard",
        "Robert",
        "Anthony",
        "Scott",
        "Carl",
        "Kevin",
        "Jamie",
        "Ashley",
        "Liam",
        "Jordan",
        "Kyle",
        "Aaron",
        "Adam",
        "Luke",
        "Thomas",
        "William",
        "Nathan",
        "Stuart",
        "Martin",
        "Simon",
        "Neil",
        "Ian",
        "Karl",
        "Ricky",
        "Steven",
        "Joshua",
        "Callum",
        "Connor",
        "Bradley",
        "Ben",
        "Alexander",
        "Jonathan",
        "Nicholas",
        "Marek",
        "Tomasz",
        "Piotr",
        "Andrius",
        "Joao",
        "Mohammed",
        "Ahmed",
        "Dale",
        "Gavin",
        "Barry",
        "Terry",
        "Jermaine",
        "Reece",
        "Jack",
        "Sean",
        "Damien",
        "Philip",
        "Kieran",
        "Tony",
        "Joseph",
        "Samuel",
        "Elliott",
        "Russell",
        "Glenn",
        "Jake",
        "Harvey",
        "Tyler",
        "Rhys",
        "Kane",
        "Brett",
        "Mitchell",
        "Mario",
        "Pawel",
        "Rui",
    ]
)

SURNAMES: tuple[str, ...] = tuple(
    """
    Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts
    Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke
    Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker
    Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young
    Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy
    Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson
    Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen
    Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins
    Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews
    Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence
    Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry
    Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster
    Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid
    Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird
    Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns
    Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton
    McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss
    McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon
    Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis
    Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber
    Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar
    Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Clayton Nash
    Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler
    Heath Norman Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward
    Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley Miah Simmons
    Morton Field Morrison Norris Townsend Preston Hancock Thornton Baldwin Burrows
    Briggs Storey Pope Howes Thrower Platten Gotts Bales Youngs Debbage Spurgeon Brundle
    Larter Dye Bunn Cushion Eke Sayer Loades Gedge Kett Blyth Balls Gooch Mayes Leeder
    Ling Nobbs Rix Sparkes Tooley Utting Wace Wyatt Nowak Kowalski Wiśniewski Silva
    Santos Ferreira Kazlauskas Petrauskas Costa Pereira Le-Grice D'Arcy
""".split()  # noqa: SIM905 - a word list reads best as one
)

# Formal name -> names the same person may be known by. Agencies that work with
# families informally (schools, police, early years) record these far more often
# than health, whose records come from the NHS spine.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alexander": ("Alex", "Xander", "Alfie"),
    "Alexandra": ("Alex", "Lexi", "Sasha"),
    "Elizabeth": ("Beth", "Lizzie", "Liz", "Eliza"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Thomas": ("Tom", "Tommy"),
    "William": ("Will", "Billy", "Liam"),
    "Robert": ("Rob", "Bobby", "Robbie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Joseph": ("Joe", "Joey"),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben", "Benji"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Christopher": ("Chris",),
    "Michael": ("Mike", "Mikey"),
    "Nicholas": ("Nick", "Nicky"),
    "Jonathan": ("Jon", "Jonny"),
    "Edward": ("Ed", "Eddie", "Teddy"),
    "Frederick": ("Fred", "Freddie"),
    "Alfred": ("Alfie", "Alf"),
    "Theodore": ("Theo", "Teddy"),
    "Henry": ("Harry", "Hal"),
    "Oliver": ("Ollie",),
    "Joshua": ("Josh",),
    "Nathaniel": ("Nate", "Nathan"),
    "Zachary": ("Zach", "Zak"),
    "Harrison": ("Harry",),
    "Anthony": ("Tony", "Ant"),
    "Richard": ("Rich", "Ricky"),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "David": ("Dave",),
    "Andrew": ("Andy", "Drew"),
    "Jacob": ("Jake",),
    "Sebastian": ("Seb",),
    "Gabriel": ("Gabe",),
    "Maximilian": ("Max",),
    "Patrick": ("Paddy", "Pat"),
    "Olivia": ("Liv", "Livvy"),
    "Amelia": ("Millie", "Amy", "Mia"),
    "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy", "Belle"),
    "Charlotte": ("Lottie", "Charlie"),
    "Florence": ("Flo", "Florrie"),
    "Matilda": ("Tilly", "Tilda"),
    "Jessica": ("Jess", "Jessie"),
    "Rebecca": ("Becky", "Becca"),
    "Samantha": ("Sam", "Sammie"),
    "Natasha": ("Tasha",),
    "Victoria": ("Vicky", "Tori"),
    "Katherine": ("Kate", "Katie"),
    "Catherine": ("Cathy", "Kate"),
    "Jennifer": ("Jen", "Jenny"),
    "Abigail": ("Abby", "Abi"),
    "Eleanor": ("Ellie", "Nell"),
    "Stephanie": ("Steph",),
    "Kimberley": ("Kim",),
    "Gemma": ("Gem",),
    "Nicola": ("Nicky", "Nikki"),
    "Danielle": ("Dani",),
    "Georgina": ("Georgie", "Gina"),
    "Penelope": ("Penny",),
    "Harriet": ("Hattie",),
    "Beatrice": ("Bea",),
    "Josephine": ("Josie",),
    "Evelyn": ("Evie",),
    "Amanda": ("Mandy",),
    "Louise": ("Lou",),
    "Joanne": ("Jo",),
    "Melissa": ("Mel",),
    "Michelle": ("Shell",),
    "Gabriella": ("Gabby", "Ella"),
    "Francesca": ("Frankie", "Fran"),
    "Arabella": ("Bella",),
    "Ottilie": ("Tilly",),
    "Agnieszka": ("Aga",),
    "Katarzyna": ("Kasia",),
}

# Spellings of one name that agencies mix up; not nicknames, the same name heard
# and typed differently.
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Isabelle", "Isabel", "Isobel"),
    ("Leah", "Lea"),
    ("Jayden", "Jaden", "Jaiden"),
    ("Muhammad", "Mohammed", "Mohammad", "Mohamed"),
    ("Sophie", "Sofie"),
    ("Kayleigh", "Kayley", "Kaylee"),
    ("Lacey", "Lacie"),
    ("Darcie", "Darcey", "Darcy"),
    ("Stacey", "Stacy"),
    ("Tracey", "Tracy"),
    ("Kerry", "Kerri"),
    ("Zoë", "Zoe"),
    ("Chloë", "Chloe"),
    ("Renée", "Renee"),
    ("Nicola", "Nichola"),
    ("Reuben", "Ruben"),
    ("Freya", "Freyja"),
    ("Elliot", "Elliott"),
    ("Rhys", "Reece", "Reese"),
    ("Mollie", "Molly"),
    ("Gracie", "Gracey"),
    ("Lily", "Lilly", "Lillie"),
    ("Connor", "Conor"),
    ("Callum", "Calum"),
    ("Kieran", "Kieron"),
    ("Neil", "Neal"),
    ("Stephen", "Steven"),
    ("Lily-Mae", "Lily Mae", "Lilymae"),
    ("Amelia-Rose", "Amelia Rose"),
    ("Ella-Grace", "Ella Grace"),
    ("Charlie-Ray", "Charlie Ray"),
    ("Louis-James", "Louis James"),
    ("Kerry-Ann", "Kerry Ann", "Kerryann"),
    ("Hollie", "Holly"),
    ("Macie", "Macey", "Maci"),
    ("Jodie", "Jodi"),
    ("Aimee", "Amy"),
    ("Marley", "Marly"),
)

SPELLING_OF: dict[str, tuple[str, ...]] = {
    name: tuple(other for other in group if other != name) for group in SPELLINGS for name in group
}

STREETS: tuple[str, ...] = tuple(
    """
    Churchill Victoria Albert Station Church Mill Queens Kings Beach Marine Nelson
    Northgate Southtown Magdalen Dereham Aylsham Unthank Colman Earlham Bluebell Cromer
    Sprowston Plumstead Thorpe Yarmouth Lynn Gaywood Tennyson Wordsworth Shelley Keats
    Milton Chaucer Jubilee Coronation Beaconsfield Salisbury Wellington Blenheim
    Sandringham Windsor Clarence Lowestoft Bells Cliff Ferry Quay Tower Priory Abbey
    Beech Oak Ash Elm Willow Rowan Holly Laurel Hawthorn Poppy Meadow Heath Common Green
    Field Park Orchard Cherry Chestnut Sycamore Maple Cedar Lime Howard Gordon Lancaster
    Stuart Tudor Hanover Norman Saxon Anglian Broadland Waveney Bure Yare Wensum Tas
    Ouse Nar Thurne Ant Glaven Stiffkey Burn Tiffey
""".split()  # noqa: SIM905 - a word list reads best as one
)

STREET_KINDS: tuple[str, ...] = (
    "Road",
    "Road",
    "Road",
    "Street",
    "Street",
    "Avenue",
    "Close",
    "Close",
    "Way",
    "Lane",
    "Drive",
    "Crescent",
    "Gardens",
    "Court",
    "Place",
    "Walk",
    "Terrace",
)

ABBREVIATIONS: dict[str, str] = {
    "Road": "Rd",
    "Street": "St",
    "Avenue": "Ave",
    "Close": "Cl",
    "Lane": "Ln",
    "Drive": "Dr",
    "Crescent": "Cres",
    "Gardens": "Gdns",
    "Court": "Ct",
    "Place": "Pl",
    "Terrace": "Terr",
}
