"""Short practitioner-style free text for record summaries.

Invented wording in the register practitioners write in; no text comes from a
real record. Kept short because summaries are a large share of output size.
"""

from __future__ import annotations

import random

BIRTH = (
    "Spontaneous vaginal delivery. Baby well, feeding established.",
    "Born by emergency caesarean section. Baby to postnatal ward with mother.",
    "Normal delivery. Skin to skin, breastfeeding initiated.",
    "Instrumental delivery. Baby reviewed by paediatrician, no concerns.",
    "Preterm delivery; baby admitted to the neonatal unit for observation.",
)

HV_ATTENDED = (
    "Review completed at home. Baby settled, feeding well.",
    "Seen in clinic with mum. Development on track.",
    "Home visit. Parents coping well, safe sleep advice given.",
    "Ages and stages questionnaire completed, no concerns.",
    "Weighed and measured. Plotted on chart; following centile.",
)
HV_MISSED = (
    "Not brought to clinic. Letter sent offering new appointment.",
    "No access at planned home visit. Card left.",
    "Mum cancelled on the day, said baby unwell. Rebooked.",
    "Not brought for review. Unable to reach mum by phone.",
)
GP = (
    "Seen with mum. Viral illness, safety-netting advice given.",
    "Chest infection. Antibiotics prescribed.",
    "Eczema review. Emollients continued.",
    "Ear infection. Advised regular paracetamol.",
    "Asthma review; inhaler technique checked.",
    "Rash, likely viral. Reassured.",
)
GP_MISSED = (
    "Not brought to appointment. Practice to contact parent.",
    "Did not attend. Second missed appointment this year.",
    "Not brought for immunisations. Recall letter sent.",
)
ACCIDENT = (
    "Fell from trampoline at home. Account consistent with injury.",
    "Tripped at school playground. Seen by first aider, brought in by mum.",
    "Fell off bike, not wearing helmet. Consistent history.",
    "Caught hand in door at home. Parents present, consistent account.",
    "Fell down two steps at nursery. Staff witnessed.",
    "Injured playing football. Consistent history from child and father.",
    "Bitten by family dog while playing. Dog known to family.",
    "Pulled hot drink off table. Cooled with water by parent, brought in promptly.",
)
ILLNESS = (
    "High temperature and reduced feeding. Observations reassuring, discharged.",
    "Breathing difficulty, bronchiolitis. Discharged with advice.",
    "Vomiting and diarrhoea. Rehydrated, discharged home.",
    "Asthma attack. Nebulised and discharged with plan.",
    "Febrile convulsion. Admitted overnight for observation.",
)
AMBULANCE = (
    "Crew attended. Child conveyed to emergency department with parent.",
    "Call from parent, child unwell. Assessed at scene, advice given.",
    "Crew attended after fall at home. Parent present.",
)
ATTENDANCE_LOW = (
    "Attendance below expected. Letter sent home.",
    "Attendance officer contacted family. Absences not explained.",
    "Persistent absence. Meeting with parent offered.",
)
EXCLUSION = (
    "Suspended after physical altercation with another pupil.",
    "Suspension for persistent disruptive behaviour.",
    "Suspended following verbal abuse of staff.",
)
CONCERN = {
    "hunger": (
        "Child said they had not had breakfast. Given toast in class.",
        "Child hungry on arrival and took food from other children's lunch boxes.",
        "No packed lunch again this week.",
    ),
    "hygiene": (
        "Child arrived smelling strongly of urine. Spare clothes given.",
        "Head lice noted again; letter to parent.",
        "Unwashed and hair matted. Spoke to mum at pick-up.",
    ),
    "clothing": (
        "Not dressed for the weather; no coat in freezing conditions.",
        "Shoes too small and split. Spare pair given.",
        "Wearing same clothes all week.",
    ),
    "injury": (
        "Bruise to forearm noted. Child said sibling did it.",
        "Mark to cheek noticed at drop-off. Mum said fell on stairs.",
        "Small bruise noted to shin; child says fell in the park.",
    ),
    "supervision": (
        "Child collected late again; nobody answered the phone.",
        "Child arrived at setting alone; said mum was asleep.",
        "Collected by a 12-year-old sibling.",
    ),
    "behaviour": (
        "Child very withdrawn today and would not join in.",
        "Aggressive towards other children; parent informed.",
        "Child upset at home time; did not want to go home.",
    ),
    "disclosure": (
        "Child said daddy shouts and mummy cries. DSL informed.",
        "Child said there was no food at home at the weekend.",
    ),
    "attendance": (
        "Third unexplained absence this half term.",
        "Late most mornings this week.",
    ),
    "other": (
        "Parent appeared under the influence at collection.",
        "Concern logged after conversation with parent.",
    ),
}
SENTINEL = (
    "Small bruise to baby's cheek noted at visit; mum said a sibling poked the baby.",
    "Red mark on baby's ear. Parents unsure how it happened.",
    "Tiny bruise on baby's chest. Dad said the car seat strap did it.",
)
POLICE = {
    "domestic_abuse": (
        "Neighbour reported shouting and banging. Children in the property.",
        "Verbal argument between partners. Children upstairs.",
        "Female reports being pushed by partner. Children present.",
        "Partner arrested after threats to kill. Children asleep in the house.",
    ),
    "child_welfare": (
        "Children found home alone in the evening.",
        "Young child seen wandering in the street unsupervised.",
        "Concern for welfare call from neighbour; children heard crying for hours.",
    ),
    "missing_child": (
        "Reported missing by parent, located next morning at friend's house.",
        "Missing from home overnight, found in town centre.",
    ),
    "drugs": (
        "Cannabis found at address during visit.",
        "Drug paraphernalia in reach of children.",
    ),
    "violence": ("Assault outside licensed premises.", "Fight between neighbours."),
    "antisocial_behaviour": (
        "Group of youths causing nuisance; child spoken to.",
        "Complaint of noise and nuisance from the address.",
    ),
    "other": ("Welfare check requested by relative.",),
}
EX_PARTNER = (
    "Ex-partner reports assault by former partner at her address.",
    "Former partner attended in breach of non-molestation order.",
    "Harassing messages and threats from former partner.",
)
HOUSING = {
    "poor_conditions": (
        "Tenant reports damp and mould in children's bedroom.",
        "Disrepair: broken boiler, no hot water. Works ordered.",
    ),
    "overcrowding": (
        "Family of {n} in two-bedroom flat; overcrowding assessment.",
        "Overcrowded: children sharing one bedroom with parent.",
    ),
    "eviction_notice": (
        "Section 21 notice served by private landlord.",
        "Rent arrears; notice of seeking possession served.",
    ),
    "homeless": (
        "Presented as homeless after eviction. Placed in temporary accommodation.",
        "Family asked to leave by relatives; homelessness duty accepted.",
    ),
    "hoarding": ("Officer visit found property cluttered, fire exits blocked.",),
    "other": ("Tenancy review visit completed.",),
}
ADULT = {
    "substance_misuse": (
        "Referred for opiate use. Engaging with keyworker.",
        "Using crack cocaine and heroin; on methadone script.",
    ),
    "alcohol_misuse": (
        "Referred by GP for alcohol dependence.",
        "Drinking daily; declined detox at present.",
    ),
    "mental_health": (
        "Low mood and anxiety; started talking therapy.",
        "Depression, medication reviewed. Children are main protective factor.",
        "Disengaged from treatment after missed appointments.",
    ),
    "domestic_abuse_victim": (
        "Referred after high-risk incident. Safety planning completed.",
        "Disclosed coercive control by partner.",
    ),
    "domestic_abuse_perpetrator": (
        "Referred to perpetrator programme.",
        "Known to police for violence towards previous partners.",
    ),
    "learning_disability": ("Support with parenting offered.",),
}
CONCERN_REPORTED = {
    "neglect": (
        "School reports child often hungry and unkempt.",
        "Health visitor concerned about home conditions and missed appointments.",
        "Anonymous caller says children left alone and house dirty.",
    ),
    "physical": (
        "Unexplained bruising noted by school.",
        "Injury with inconsistent explanation; hospital referral.",
    ),
    "emotional": ("Child exposed to parental conflict.",),
    "sexual": ("Concern raised about an adult's behaviour towards child.",),
    "domestic_abuse": (
        "Police notification of domestic incident with child present.",
        "DASH assessment medium risk; children in the household.",
    ),
    "other": ("Parent asked for help; signposted to early help.",),
}
NFA = "Contact screened by MASH. No further action; advice given."


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]
