"""Fixed word lists the demo draws names from (by index, so every machine gets the same names)."""

from __future__ import annotations

FIRST_NAMES = (
    "Aaliyah", "Adam", "Adriana", "Ahmed", "Aiko", "Alan", "Alejandro", "Alice", "Amara", "Amelia",
    "Ana", "Andre", "Anika", "Arjun", "Aya", "Beatriz", "Ben", "Bianca", "Bogdan", "Brandon",
    "Camille", "Carlos", "Carmen", "Chen", "Chloe", "Chris", "Dana", "Daniel", "David", "Diego",
    "Dmitri", "Elena", "Elif", "Emeka", "Emily", "Emma", "Erik", "Fatima", "Felix", "Fiona",
    "Gabriel", "Grace", "Hana", "Hannah", "Hiro", "Ibrahim", "Ines", "Isaac", "Isabel", "Ivan",
    "Jacob", "Jamal", "James", "Jana", "Javier", "Jin", "Joanna", "Jonas", "Julia", "Kai",
    "Karim", "Katarzyna", "Kenji", "Laura", "Leila", "Leo", "Liam", "Lina", "Lucas", "Maja",
    "Marco", "Maria", "Mateo", "Maya", "Mehmet", "Mei", "Michael", "Mila", "Nadia", "Naomi",
    "Nikhil", "Noah", "Nora", "Olga", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Rafael",
    "Rania", "Ravi", "Rosa", "Ryan", "Sakura", "Samuel", "Sara", "Sofia", "Tariq", "Tomasz",
    "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zeynep", "Zoe",
)

LAST_NAMES = (
    "Abe", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brooks", "Castro",
    "Chen", "Clarke", "Costa", "Dąbrowski", "Davies", "Demir", "Dubois", "Evans", "Fischer",
    "Fernandes", "Fontaine", "Garcia", "Gomez", "Gupta", "Hansen", "Harris", "Hoffmann", "Ito",
    "Jansen", "Johnson", "Kaya", "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Laurent", "Lee",
    "Lopez", "Martin", "Meyer", "Mendes", "Moreau", "Müller", "Murphy", "Nakamura", "Nguyen",
    "Nielsen", "Novak", "Nowak", "Okafor", "Olsen", "Ortiz", "Park", "Patel", "Perez", "Petrov",
    "Popescu", "Reyes", "Ricci", "Rossi", "Sato", "Schmidt", "Schneider", "Silva", "Singh",
    "Smith", "Sousa", "Suzuki", "Tanaka", "Taylor", "Thomas", "Torres", "Tran", "Vasquez",
    "Virtanen", "Wagner", "Walker", "Wang", "Watanabe", "Weber", "Wilson", "Wiśniewski", "Wong",
    "Yamamoto", "Yildiz", "Young", "Zhang", "Zielinski",
)

ACCOUNT_PREFIXES = (
    "Acme", "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Birch", "Blue Harbor", "Bright",
    "Cascade", "Cedar", "Cobalt", "Copper", "Crescent", "Delta", "Ember", "Evergreen", "Falcon",
    "Fjord", "Granite", "Harbor", "Helix", "Horizon", "Iron", "Juniper", "Keystone", "Lakeside",
    "Linden", "Lumen", "Maple", "Meridian", "Nimbus", "North Star", "Northwind", "Oak", "Orbit",
    "Pacific", "Pinnacle", "Polar", "Prairie", "Quartz", "Redwood", "Ridge", "River", "Sable",
    "Silver", "Summit", "Tidal", "Vertex", "Willow",
)

ACCOUNT_CORES = (
    "Analytics", "Apparel", "Bank", "Bio", "Brewing", "Capital", "Cargo", "Clinics", "Construction",
    "Dental", "Energy", "Engineering", "Farms", "Fitness", "Foods", "Freight", "Health", "Hotels",
    "Insurance", "Labs", "Legal", "Logistics", "Machinery", "Marine", "Media", "Medical", "Metals",
    "Mobility", "Motors", "Outdoor", "Packaging", "Pharma", "Plastics", "Power", "Publishing",
    "Realty", "Retail", "Robotics", "Software", "Telecom", "Textiles", "Travel", "Utilities",
    "Water", "Wholesale",
)

ACCOUNT_SUFFIXES = (
    "Inc.", "Ltd", "GmbH", "Group", "Co.", "Partners", "Holdings", "LLC", "S.A.", "AG", "Corp.",
    "Systems",
)

NEW_PRODUCTS = ("Platform", "Pilot", "Starter Bundle", "Platform + Analytics", "Team Edition")
EXISTING_PRODUCTS = (
    "Seat Expansion", "Analytics Add-on", "Premium Support", "Renewal Uplift", "Integration Pack",
    "New Division Rollout",
)

DIRECTOR_REGIONS = ("East", "West", "Central", "North", "South", "EMEA", "APAC", "LATAM")

NON_MQL_REASONS = (
    "Student or job seeker",
    "Company under 100 employees",
    "Spam or invalid contact details",
    "Competitor research",
)
MQL_REASONS = (
    "No response after 6 touches",
    "Not a fit after the discovery call",
    "No budget this year",
    "Duplicate of an existing lead",
    "Wrong contact, no referral given",
)
SRL_REASONS = (
    "No budget",
    "No access to the decision maker",
    "Timing: not before next fiscal year",
    "Chose a competitor",
    "Went dark after the demo",
)

CALL_NOTES = (
    "Two commits need legal sign-off before quarter end.",
    "Largest deal pushed to next quarter at the customer's request.",
    "Pulled in a renewal expansion; signature expected next week.",
    "Holding commit until procurement confirms the PO.",
    "Upside depends on one enterprise deal in security review.",
    "Pipeline thin for next month; adding outbound focus.",
    "Commit unchanged; best case up after strong demos.",
    "Discounting pressure on two deals; call trimmed.",
    "New rep ramping, kept out of commit for now.",
    "Customer budget freeze hit one commit deal.",
)
REVISION_NOTE = "Revised after the afternoon deal review."
ADJUSTMENT_DOWN_NOTES = (
    "Haircut: history of over-calling, two deals still without a champion.",
    "Removed one deal that has slipped three times.",
    "Commit trimmed until legal redlines come back.",
)
ADJUSTMENT_UP_NOTES = (
    "Raised: deals in negotiation are further along than called.",
    "Added the renewal we confirmed with the customer today.",
    "Adjusted up to match the deal-by-deal review in the 1:1.",
)
ADJUSTMENT_NOTES = ADJUSTMENT_DOWN_NOTES + ADJUSTMENT_UP_NOTES


def account_names(rng, n: int) -> list[str]:
    """`n` distinct company names (fewer if the word lists run out), in a seeded order."""
    a, b, c = len(ACCOUNT_PREFIXES), len(ACCOUNT_CORES), len(ACCOUNT_SUFFIXES)
    picks = rng.choice(a * b * c, min(n, a * b * c), replace=False)
    return [
        f"{ACCOUNT_PREFIXES[p // (b * c)]} {ACCOUNT_CORES[p // c % b]} {ACCOUNT_SUFFIXES[p % c]}"
        for p in picks.tolist()
    ]
