"""Person lists of shapes the sample generator never makes, with the truth known, for measuring identity resolution.

The sample generator's contacts always carry an email, a phone, a company and a country, and its duplicates differ
in the ways its author imagined. Real lists are not like that: a membership register, a voter file or a clinic's
patient list carries names, a date of birth, a street address split over several columns and a national or
membership number — often no email and no phone — and its duplicates come from people typing: typos, letters
misread, names swapped between fields, nicknames, a day and month written the other way round, fields left out,
people who moved or married. And it holds people who look alike without being one: spouses and children at one
address, twins, a father and son of the same name, namesakes.

`make_person_list` writes such a list in one of three export shapes (`STYLES`), each with the column map a user
would write for it (`column_map_yaml`), so the list goes the whole way a user's file goes (`crm import`), and the
truth (which person each row is) for identity/evaluate.py. Nothing here is shared with the sample generator or
with the matching code: the names, streets and corruptions are drawn independently, and the nickname table is
this module's own (the matcher uses a published nickname dataset), so a test on these lists measures the method,
not an agreement between two halves of one program.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

# Diminutives people write for their given name (this module's own list; see the module docstring).
NICKNAMES = {
    "William": ["Bill", "Will", "Billy"], "Robert": ["Bob", "Rob", "Bobby"], "Richard": ["Rick", "Dick", "Rich"],
    "James": ["Jim", "Jimmy", "Jamie"], "John": ["Jack", "Johnny"], "Michael": ["Mike", "Mick"],
    "Thomas": ["Tom", "Tommy"], "Joseph": ["Joe", "Joey"], "Charles": ["Charlie", "Chuck"],
    "Christopher": ["Chris"], "Daniel": ["Dan", "Danny"], "Matthew": ["Matt"], "Anthony": ["Tony"],
    "Andrew": ["Andy", "Drew"], "Edward": ["Ed", "Ted", "Eddie"], "Steven": ["Steve"], "Stephen": ["Steve"],
    "Timothy": ["Tim"], "Nicholas": ["Nick"], "Jonathan": ["Jon"], "Benjamin": ["Ben"], "Samuel": ["Sam"],
    "Alexander": ["Alex"], "Gregory": ["Greg"], "Patrick": ["Pat"], "Peter": ["Pete"], "Raymond": ["Ray"],
    "Lawrence": ["Larry"], "Gerald": ["Gerry"], "Douglas": ["Doug"], "Kenneth": ["Ken", "Kenny"],
    "Ronald": ["Ron"], "Donald": ["Don"], "Jeffrey": ["Jeff"], "Frederick": ["Fred"], "Walter": ["Walt"],
    "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie"], "Margaret": ["Maggie", "Peggy", "Meg"],
    "Katherine": ["Kate", "Kathy", "Katie"], "Catherine": ["Cathy", "Kate"], "Jennifer": ["Jen", "Jenny"],
    "Patricia": ["Pat", "Patty", "Trish"], "Susan": ["Sue", "Susie"], "Deborah": ["Debbie", "Deb"],
    "Rebecca": ["Becky"], "Victoria": ["Vicky", "Tori"], "Christine": ["Chris", "Tina"], "Barbara": ["Barb"],
    "Jessica": ["Jess"], "Samantha": ["Sam"], "Alexandra": ["Alex"], "Abigail": ["Abby"], "Kimberly": ["Kim"],
    "Pamela": ["Pam"], "Cynthia": ["Cindy"], "Dorothy": ["Dot", "Dottie"], "Judith": ["Judy"],
    "Theresa": ["Terry"], "Jacqueline": ["Jackie"], "Melissa": ["Mel"], "Amanda": ["Mandy"],
}
_STREET_TYPES = [("Street", "St"), ("Road", "Rd"), ("Avenue", "Ave"), ("Drive", "Dr"), ("Place", "Pl"),
                 ("Court", "Ct"), ("Crescent", "Cres"), ("Lane", "Ln"), ("Parade", "Pde"), ("Close", "Cl"),
                 ("Terrace", "Tce"), ("Way", "Way"), ("Circuit", "Cct"), ("Boulevard", "Blvd")]
_SUBURB_PARTS = (["North ", "South ", "East ", "West ", "Mount ", "Port ", "Glen ", "Lake ", "New ", "", "", "", ""],
                 ["Bel", "Ash", "Wood", "Kings", "Rose", "Oak", "Elm", "Fern", "Mill", "Stone", "Bright", "Clare",
                  "Dun", "Hazel", "Iron", "Lang", "Marl", "Nor", "Pen", "Red", "Sand", "Thorn", "Wel", "Wyn",
                  "Avon", "Bran", "Carr", "Dal", "Ever", "Fair", "Gran", "Holm", "Kil", "Lin", "Moor", "Nether"],
                 ["field", "ton", "wood", "vale", "dale", "ford", "hurst", "mere", "bury", "by", "view", "grove",
                  "haven", "ridge", "brook", "ley", "stead", "wick", "ham", "park"])
_UNIT_WORDS = ["Unit", "Flat", "Apt", "Suite", "Level"]
_BUILDINGS = ["Rosebank", "The Elms", "Kingsway House", "Harbour View", "Parkside", "Willow Court", "Garden Flats",
              "Riverside", "Hilltop", "Sunnyside"]
# Letters next to each other on a QWERTY keyboard: what a slipped finger types instead.
_KEYBOARD = {c: n for c, n in zip(
    "qwertyuiopasdfghjklzxcvbnm",
    ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awdx", "sefc", "drgv", "fthb",
     "gyjn", "hukm", "jilm", "kop", "asx", "zsdc", "xdfv", "cfgb", "vghn", "bhjm", "njk"], strict=True)}
# What a scanner or a tired eye reads instead.
_OCR = [("m", "rn"), ("rn", "m"), ("l", "1"), ("o", "0"), ("i", "l"), ("cl", "d"), ("vv", "w"), ("e", "c"),
        ("5", "s"), ("0", "o"), ("1", "l"), ("8", "b"), ("u", "v"), ("h", "b")]
# Spellings that sound alike.
_PHONETIC = [("ph", "f"), ("f", "ph"), ("ck", "k"), ("k", "c"), ("c", "k"), ("ie", "y"), ("y", "ie"),
             ("ei", "ie"), ("ou", "ow"), ("s", "z"), ("z", "s"), ("ee", "ea"), ("ll", "l"), ("nn", "n"),
             ("tt", "t"), ("son", "sen"), ("sen", "son"), ("mc", "mac"), ("mac", "mc"), ("th", "t")]


@dataclass(frozen=True)
class ListStyle:
    """One export shape: its columns, how dates are written, and the map a user would write for it."""

    name: str
    country: str
    columns: tuple[str, ...]
    date_format: str       # strftime format of the date of birth column
    map_columns: str       # the `columns:` body of the column map (YAML, indented by 6)


STYLES = {
    # A registry export: address split into number, street and a second line; a national id; no email or phone.
    "au": ListStyle(
        "au", "AU",
        ("rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
         "state", "date_of_birth", "soc_sec_id"),
        "%Y%m%d",
        "      contact_id: rec_id\n      first_name: given_name\n      last_name: surname\n"
        "      address: [street_number, address_1]\n      address_line_2: address_2\n      city: suburb\n"
        "      postal_code: postcode\n      region: state\n"
        "      date_of_birth: {column: date_of_birth, formats: [\"%Y%m%d\"]}\n      national_id: soc_sec_id\n"
        "      country: {value: AU}\n"),
    # A voter-file or membership export: middle initial, US dates, a membership number and a phone.
    "us": ListStyle(
        "us", "US",
        ("member_no", "first_name", "middle_initial", "last_name", "birth_date", "street_address", "city",
         "state", "zip", "phone", "membership_number"),
        "%m/%d/%Y",
        "      contact_id: member_no\n      first_name: [first_name, middle_initial]\n      last_name: last_name\n"
        "      date_of_birth: {column: birth_date, formats: [\"%m/%d/%Y\"]}\n      address: street_address\n"
        "      city: city\n      region: state\n      postal_code: zip\n      phone: phone\n"
        "      customer_number: membership_number\n      country: {value: US}\n"),
    # A clinic or club list: day-first dates, one address line, a town and an email, sometimes.
    "uk": ListStyle(
        "uk", "GB",
        ("id", "forename", "surname", "dob", "address_line_1", "town", "postcode", "email"),
        "%d/%m/%Y",
        "      contact_id: id\n      first_name: forename\n      last_name: surname\n"
        "      date_of_birth: {column: dob, formats: [\"%d/%m/%Y\"]}\n      address: address_line_1\n"
        "      city: town\n      postal_code: postcode\n      email: email\n      country: {value: GB}\n"),
}


def column_map_yaml(style: str, map_name: str | None = None) -> str:
    chosen = STYLES[style]
    return (f"name: {map_name or f'person_list_{style}'}\nentities:\n  contacts:\n    detect: [{chosen.columns[0]}]\n"
            f"    columns:\n{chosen.map_columns}")


def _name_pools() -> tuple[list[str], np.ndarray, list[str], np.ndarray, list[str], np.ndarray]:
    from faker.providers.person.en_US import Provider

    def pool(weighted) -> tuple[list[str], np.ndarray]:
        names, weights = list(weighted), np.array(list(weighted.values()), dtype=float)
        return names, weights / weights.sum()

    male, male_w = pool(Provider.first_names_male)
    female, female_w = pool(Provider.first_names_female)
    last, last_w = pool(Provider.last_names)
    return male, male_w, female, female_w, last, last_w


@dataclass
class _Person:
    person_id: int
    given: str
    middle: str
    surname: str
    sex: str
    dob: date
    street_number: str
    street_name: str
    street_type: int
    street: str
    street_abbrev: str
    address_2: str
    suburb: str
    postcode: str
    state: str
    national_id: str
    membership_number: str
    phone: str
    email: str


class _Population:
    """People with households, twins and namesakes: the look-alikes a matcher must keep apart."""

    def __init__(self, rng: np.random.Generator, style: ListStyle) -> None:
        self.rng, self.style = rng, style
        self.male, self.male_w, self.female, self.female_w, self.last, self.last_w = _name_pools()
        self._cumulative: dict[int, np.ndarray] = {}
        self.streets = [(str(name), int(self.rng.integers(len(_STREET_TYPES))))
                        for name in self.rng.choice(self.last, 4000)]
        self.suburbs = []
        states = {"AU": ["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"],
                  "US": ["CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "WA", "AZ"],
                  "GB": [""]}[style.country]
        for index in range(1500):
            prefix, stem, suffix = (str(self.rng.choice(part)) for part in _SUBURB_PARTS)
            name = f"{prefix}{stem}{suffix}".strip()
            self.suburbs.append((name, self._postcode(index), str(self.rng.choice(states))))
        self.used_ids: set[str] = set()
        self.next_person = 0

    def _postcode(self, index: int) -> str:
        if self.style.country == "AU":
            return f"{2000 + index * 5 % 7000:04d}"
        if self.style.country == "US":
            return f"{10000 + index * 53 % 89000:05d}"
        letters = string.ascii_uppercase
        return (f"{letters[index % 26]}{letters[index // 26 % 26]}{index % 9 + 1} "
                f"{self.rng.integers(1, 10)}{self.rng.choice(list(letters))}{self.rng.choice(list(letters))}")

    def _unique_number(self, digits: int) -> str:
        while True:
            value = str(self.rng.integers(10 ** (digits - 1), 10**digits))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def _weighted(self, names: list[str], weights: np.ndarray) -> str:
        # Inverse-CDF sampling: rng.choice(p=...) rebuilds the CDF on every call, 30x slower for one draw.
        cumulative = self._cumulative.setdefault(id(weights), np.cumsum(weights))
        return names[min(int(np.searchsorted(cumulative, self.rng.random())), len(names) - 1)]

    def _given(self, sex: str) -> str:
        return self._weighted(self.male, self.male_w) if sex == "m" else self._weighted(self.female, self.female_w)

    def person(self, like: _Person | None = None, relation: str = "") -> _Person:
        """A new person; `relation` makes them a look-alike of `like`: household, twin or junior."""
        rng = self.rng
        sex = "m" if rng.random() < 0.5 else "f"
        surname = self._weighted(self.last, self.last_w)
        dob = date(1930, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 76)))
        street, street_type = self.streets[rng.integers(len(self.streets))]
        suburb, postcode, state = self.suburbs[rng.integers(len(self.suburbs))]
        number = str(int(rng.integers(1, 400)))
        unit = ""
        if rng.random() < 0.2:
            unit = (f"{rng.choice(_UNIT_WORDS)} {rng.integers(1, 60)}" if rng.random() < 0.7
                    else str(rng.choice(_BUILDINGS)))
        given = self._given(sex)
        if like is not None:
            surname, street, street_type = like.surname, like.street_name, like.street_type
            suburb, postcode, state = like.suburb, like.postcode, like.state
            number, unit = like.street_number, like.address_2
            if relation == "twin":
                dob = like.dob
            elif relation == "junior":
                sex, given = like.sex, like.given
                dob = like.dob + timedelta(days=int(rng.integers(365 * 22, 365 * 38)))
        full_type, short_type = _STREET_TYPES[street_type]
        self.next_person += 1
        email_user = str(rng.choice([f"{given}.{surname}", f"{given[0]}{surname}", f"{given}{rng.integers(1, 99)}",
                                     f"{surname}.{given}"])).lower()
        domain = str(rng.choice(["gmail.com", "yahoo.co.uk", "outlook.com", "btinternet.com", "hotmail.co.uk"]))
        # A mailbox is one person's: when the name is taken, the provider makes them add digits.
        email = f"{email_user}@{domain}"
        while email in self.used_ids:
            email = f"{email_user}{rng.integers(1, 1000)}@{domain}"
        self.used_ids.add(email)
        return _Person(
            person_id=self.next_person, given=given, middle=str(rng.choice(list(string.ascii_uppercase))),
            surname=surname, sex=sex, dob=dob, street_number=number, street_name=street,
            street_type=int(street_type), street=f"{street} {full_type}",
            street_abbrev=f"{street} {short_type}", address_2=unit, suburb=suburb, postcode=postcode, state=state,
            national_id=self._unique_number(9), membership_number="M" + self._unique_number(7),
            phone=f"({rng.integers(201, 990)}) {rng.integers(200, 999)}-{rng.integers(0, 10000):04d}",
            email=email)


# ------------------------------------------------------------------------------------------------------------
# Corruptions: what happens to a person's details between one record and the next.


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 2:
        return text
    i = int(rng.integers(0, len(text)))
    kind = rng.integers(0, 4)
    if kind == 0:  # substitute a neighbouring key
        neighbours = _KEYBOARD.get(text[i].lower(), string.ascii_lowercase)
        replacement = str(rng.choice(list(neighbours)))
        return text[:i] + (replacement.upper() if text[i].isupper() else replacement) + text[i + 1:]
    if kind == 1:  # drop a letter
        return text[:i] + text[i + 1:]
    if kind == 2:  # double or insert a letter
        return text[:i] + text[i] + text[i:]
    j = min(i + 1, len(text) - 1)  # transpose two letters
    return text[:i] + text[j] + text[i] + text[j + 1:] if i != j else text


def _substitute(rng: np.random.Generator, text: str, table: list[tuple[str, str]]) -> str:
    lower = text.lower()
    options = [(a, b) for a, b in table if a in lower]
    if not options:
        return _typo(rng, text)
    a, b = options[int(rng.integers(len(options)))]
    at = lower.find(a)
    replaced = text[:at] + b + text[at + len(a):]
    return replaced[:1].upper() + replaced[1:] if text[:1].isupper() else replaced


def _digit_typo(rng: np.random.Generator, digits: str) -> str:
    if not digits:
        return digits
    i = int(rng.integers(len(digits)))
    if rng.random() < 0.5 and i + 1 < len(digits):
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
    return digits[:i] + str(rng.integers(0, 10)) + digits[i + 1:]


def _record(person: _Person) -> dict:
    return {"given": person.given, "middle": person.middle, "surname": person.surname, "dob": person.dob,
            "dob_text": None, "street_number": person.street_number, "street": person.street,
            "address_2": person.address_2, "suburb": person.suburb, "postcode": person.postcode,
            "state": person.state, "national_id": person.national_id, "membership_number": person.membership_number,
            "phone": person.phone, "email": person.email}


def _corrupt(rng: np.random.Generator, population: _Population, person: _Person, edits: int) -> dict:
    """A duplicate of `person` with `edits` changes, each to a field chosen at random."""
    record = _record(person)
    fields = ["given", "given", "surname", "surname", "dob", "dob", "address", "address", "suburb", "postcode",
              "national_id", "membership_number", "phone", "email", "missing", "missing", "swap_names"]
    for _ in range(edits):
        field = str(rng.choice(fields))
        roll = rng.random()
        if field in record and not record[field]:
            continue  # left out already: nothing to change
        if field == "given":
            if roll < 0.3 and record["given"] in NICKNAMES:
                record["given"] = str(rng.choice(NICKNAMES[record["given"]]))
            elif roll < 0.45:
                record["given"] = record["given"][0]  # an initial only
            elif roll < 0.65:
                record["given"] = _substitute(rng, record["given"], _PHONETIC)
            elif roll < 0.8:
                record["given"] = _substitute(rng, record["given"], _OCR)
            else:
                record["given"] = _typo(rng, record["given"])
        elif field == "surname":
            if roll < 0.08 and person.sex == "f":  # married: a new surname, or both hyphenated
                new = population.person().surname
                record["surname"] = new if rng.random() < 0.6 else f"{record['surname']}-{new}"
            elif roll < 0.35:
                record["surname"] = _substitute(rng, record["surname"], _PHONETIC)
            elif roll < 0.55:
                record["surname"] = _substitute(rng, record["surname"], _OCR)
            elif roll < 0.65:
                record["surname"] = record["surname"].upper()
            else:
                record["surname"] = _typo(rng, record["surname"])
        elif field == "dob":
            dob = record["dob"]
            if dob is None:
                continue
            if roll < 0.3 and dob.day <= 12 and dob.day != dob.month:
                record["dob"] = date(dob.year, dob.day, dob.month)  # day and month the other way round
            elif roll < 0.55:
                record["dob_text"] = _digit_typo(rng, dob.strftime("%Y%m%d"))  # may not be a date at all
            elif roll < 0.75:
                record["dob"] = date(dob.year + int(rng.choice([-1, 1])), dob.month, min(dob.day, 28))
            else:
                record["dob"] = dob + timedelta(days=int(rng.choice([-2, -1, 1, 2])))
        elif field == "address":
            if roll < 0.15:  # moved house
                moved = population.person()
                record.update(street_number=moved.street_number, street=moved.street, address_2=moved.address_2,
                              suburb=moved.suburb, postcode=moved.postcode, state=moved.state)
            elif roll < 0.4:
                record["street"] = person.street_abbrev if record["street"] == person.street else person.street
            elif roll < 0.55 and record["address_2"]:
                record["street"], record["address_2"] = record["address_2"], record["street"]
            elif roll < 0.7:
                record["street_number"] = _digit_typo(rng, record["street_number"])
            else:
                record["street"] = _typo(rng, record["street"])
        elif field == "suburb":
            record["suburb"] = _typo(rng, record["suburb"]) if roll < 0.7 else _substitute(rng, record["suburb"],
                                                                                            _PHONETIC)
        elif field == "postcode":
            record["postcode"] = _digit_typo(rng, record["postcode"]) if population.style.country != "GB" \
                else _typo(rng, record["postcode"])
        elif field == "national_id":
            record["national_id"] = _digit_typo(rng, record["national_id"])
        elif field == "membership_number":
            record["membership_number"] = "M" + _digit_typo(rng, record["membership_number"][1:])
        elif field == "phone":
            record["phone"] = "" if roll < 0.4 else f"{person.phone[1:4]}-{person.phone[6:]}"
        elif field == "email" and "@" in record["email"]:
            user, domain = record["email"].split("@")
            record["email"] = "" if roll < 0.5 else f"{_typo(rng, user)}@{domain}"
        elif field == "missing":
            blank = str(rng.choice(["given", "dob", "street", "suburb", "postcode", "national_id", "address_2",
                                    "phone", "email", "membership_number", "street_number"]))
            record[blank] = None if blank == "dob" else ""
        elif field == "swap_names":
            record["given"], record["surname"] = record["surname"], record["given"]
    return record


def _row(style: ListStyle, record_id: str, record: dict) -> dict:
    dob = record["dob_text"] or (record["dob"].strftime("%Y%m%d") if record["dob"] else "")
    if record["dob"] is not None and not record["dob_text"]:
        dob = record["dob"].strftime(style.date_format)
    elif record["dob_text"] and style.date_format != "%Y%m%d":
        digits = record["dob_text"]
        pieces = {"%Y": digits[:4], "%m": digits[4:6], "%d": digits[6:8]}
        dob = style.date_format
        for code, value in pieces.items():
            dob = dob.replace(code, value)
    if style.name == "au":
        return {"rec_id": record_id, "given_name": record["given"], "surname": record["surname"],
                "street_number": record["street_number"], "address_1": record["street"],
                "address_2": record["address_2"], "suburb": record["suburb"], "postcode": record["postcode"],
                "state": record["state"], "date_of_birth": dob, "soc_sec_id": record["national_id"]}
    street = " ".join(p for p in (record["street_number"], record["street"], record["address_2"]) if p)
    if style.name == "us":
        return {"member_no": record_id, "first_name": record["given"], "middle_initial": record["middle"],
                "last_name": record["surname"], "birth_date": dob, "street_address": street,
                "city": record["suburb"], "state": record["state"], "zip": record["postcode"],
                "phone": record["phone"], "membership_number": record["membership_number"]}
    return {"id": record_id, "forename": record["given"], "surname": record["surname"], "dob": dob,
            "address_line_1": street, "town": record["suburb"], "postcode": record["postcode"],
            "email": record["email"]}


def make_person_list(records: int, style: str = "au", seed: int = 0,
                     duplicate_share: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A list of `records` rows of which about `duplicate_share` are further records of a person listed before
    (1 to 5 per person, each with 1 to 3 changes), plus look-alikes: a fifth of the people share a household
    with another, and some are twins or a junior of the same name at the same address.

    Returns (the list in the style's columns, shuffled; the truth: record id -> person id).
    """
    chosen = STYLES[style]
    rng = np.random.default_rng(seed)
    population = _Population(rng, chosen)
    people: list[_Person] = []
    originals = max(1, round(records * (1 - duplicate_share)))
    while len(people) < originals:
        roll = rng.random()
        if people and roll < 0.15:
            people.append(population.person(people[int(rng.integers(len(people)))], "household"))
        elif people and roll < 0.17:
            people.append(population.person(people[int(rng.integers(len(people)))], "twin"))
        elif people and roll < 0.18:
            people.append(population.person(people[int(rng.integers(len(people)))], "junior"))
        else:
            people.append(population.person())
    rows: list[tuple[int, dict]] = [(p.person_id, _record(p)) for p in people]
    # Duplicates go to a minority of people, several each, as in real lists (most people are listed once).
    while len(rows) < records:
        person = people[int(rng.integers(len(people)))]
        for _ in range(min(int(rng.integers(1, 6)), records - len(rows))):
            rows.append((person.person_id, _corrupt(rng, population, person, int(rng.integers(1, 4)))))
    order = rng.permutation(len(rows))
    prefix = {"au": "rec-", "us": "", "uk": "P"}[style]
    table, truth = [], []
    for position, index in enumerate(order):
        person_id, record = rows[index]
        record_id = f"{prefix}{position + 1:07d}"
        table.append(_row(chosen, record_id, record))
        truth.append((record_id, person_id))
    truth_frame = pd.DataFrame(truth, columns=["record_id", "person_id"])
    truth_frame.insert(0, "record_type", "crm_contact")
    return pd.DataFrame(table, columns=list(chosen.columns)), truth_frame


def write_person_list(folder: Path, records: int, style: str = "au", seed: int = 0,
                      duplicate_share: float = 0.5) -> tuple[Path, Path, Path]:
    """Write the list (CSV), its column map (YAML) and the truth (Parquet, as identity/evaluate.py reads it), unless
    the folder holds them already (the same arguments give the same list)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"person_list_{style}_{records}_{seed}_{round(duplicate_share * 100)}"
    csv_path, truth_path = folder / f"{stem}.csv", folder / f"{stem}.truth.parquet"
    map_path = folder / f"person_list_{style}.yml"
    map_path.write_text(column_map_yaml(style), encoding="utf-8")
    if not (csv_path.exists() and truth_path.exists()):
        frame, truth = make_person_list(records, style, seed, duplicate_share)
        frame.to_csv(csv_path, index=False)
        truth.to_parquet(truth_path, index=False)
    return csv_path, map_path, truth_path
