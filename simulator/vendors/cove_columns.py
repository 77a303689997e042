"""Cove account statistics: the column codes, each device's values at the clock, and the
`Filter` / `Totals` expression language of EnumerateAccountStatistics.

Columns are read by their current codes (`I1`, `D09F00`) or legacy names (`AN`, `T0`); the
data-source number may be written with one or two digits (`D9F00` = `D09F00`). Every value is a
string; a value the device does not have is "".

Filter grammar: `column op value` joined by `and` / `or`, with `not` and parentheses. Operators
`==`, `!=`, `>`, `>=`, `<`, `<=`, `=~` (wildcard `*` and `?`, case-insensitive) and `!~`. Values:
numbers, 'quoted' or "quoted" strings, and `N.days().ago()` (also hours, minutes, weeks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase

from simulator.world import DAY, HOUR, BackupRun, Device

STATUS_CODES = {"Success": "5", "Warning": "8", "Failed": "2", "Missed": "7"}
BASE_COLUMNS = {
    "I0",
    "I1",
    "I4",
    "I6",
    "I8",
    "I14",
    "I16",
    "I17",
    "I18",
    "I32",
    "I36",
    "I59",
    "I78",
}
STATS = {"F00", "F06", "F08", "F09", "F12", "F15", "F16", "F17", "F18"}
SOURCES = ("D01", "D02", "D09")
LEGACY = {
    "AU": "I0",
    "AN": "I1",
    "CD": "I4",
    "TS": "I6",
    "AR": "I8",
    "US": "I14",
    "OS": "I16",
    "VN": "I17",
    "MN": "I18",
    "OT": "I32",
    "YS": "I36",
    "AT": "I59",
    "AP": "I78",
    "T0": "D09F00",
    "T7": "D09F06",
    "TB": "D09F08",
    "TL": "D09F09",
    "TA": "D09F12",
    "TG": "D09F15",
    "TQ": "D09F16",
    "TJ": "D09F17",
    "TO": "D09F18",
}
TEXT_COLUMNS = {"I1", "I8", "I16", "I17", "I18", "I78"} | {f"{s}F08" for s in SOURCES}
CODE = re.compile(r"^(?:I(\d{1,3})|D(\d{1,2})F(\d{1,2}))$")


class ColumnError(ValueError):
    pass


def canonical(code: str) -> str:
    """The current two-digit spelling of a requested column; refuse codes we do not serve."""
    text = code.strip().upper()
    if text in LEGACY:
        return LEGACY[text]
    m = CODE.match(text)
    if m and m.group(1) is not None:
        name = f"I{int(m.group(1))}"
    elif m:
        name = f"D{int(m.group(2)):02d}F{int(m.group(3)):02d}"
    else:
        name = ""
    if name in BASE_COLUMNS or (name[:3] in SOURCES and name[3:] in STATS):
        return name
    # Unsure: Cove's answer to a column it does not know is not documented; refusing it names
    # the mistake instead of returning silent blanks.
    raise ColumnError(f"unknown column code {code!r}")


def device_values(device: Device, runs: list[BackupRun], at: int) -> dict[str, str]:
    """Every served column of one device's account, as Cove's strings."""
    is_server = device.kind == "server"
    done = [r for r in runs if r.ended_at <= at]
    real = [r for r in done if r.status != "Missed"]
    good = [r for r in done if r.status == "Success"]
    base = stable_size(device) * (4 if is_server else 1)
    values = {
        "I0": str(device.cove_account_id),
        "I1": device.hostname.lower(),
        "I4": str(device.created_at),
        "I6": str(real[-1].ended_at if real else device.created_at),
        "I8": device.tenant.name_in("cove"),
        "I14": str(base + base * max(0, at - device.created_at) // (DAY * 2000)),
        "I16": device.os_name,
        "I17": "23.10.0.23255",
        "I18": device.hostname,
        "I32": "2" if is_server else "1",
        "I36": "100",
        "I59": "1",
        "I78": "D01D02" if is_server else "D01",
    }
    stats = session_stats(done, real, good, at)
    for source in SOURCES:
        has = source == "D09" or source in values["I78"]
        for stat in STATS:
            values[f"{source}{stat}"] = stats[stat] if has else ""
    return values


def session_stats(
    done: list[BackupRun], real: list[BackupRun], good: list[BackupRun], at: int
) -> dict[str, str]:
    last = done[-1] if done else None
    return {
        "F00": STATUS_CODES[last.status] if last else "",
        "F06": str(error_count(last)) if last else "",
        "F08": colour_bar(done, at),
        # Unsure: "last successful session" is read as status Completed only, not
        # CompletedWithErrors.
        "F09": str(good[-1].started_at) if good else "",
        "F12": str(last.ended_at - last.started_at) if last else "",
        "F15": str(last.started_at) if last else "",
        "F16": "5" if good else "",
        "F17": STATUS_CODES[real[-1].status] if real else "",
        "F18": str(real[-1].ended_at) if real else "",
    }


def error_count(run: BackupRun) -> int:
    if run.status == "Failed":
        return 1 + sum(map(ord, run.device.key)) % 17
    if run.status == "Warning":
        return 1 + run.started_at % 5
    return 0


def colour_bar(done: list[BackupRun], at: int) -> str:
    """28 characters, oldest day first, the last being the clock's UTC day.

    A session belongs to the UTC day it ended on, as the truth's backup_runs dates a run; `done`
    is in end order, so each character is the status of the last session that ended that day.
    Unsure: the vendor's letter scheme is not published; each character here is the F00 status
    digit of that day's last session (5, 8, 2, 7) and 0 for a day without one.
    """
    today = at // DAY
    days = ["0"] * 28
    for run in done:
        back = today - run.ended_at // DAY
        if 0 <= back < 28:
            days[27 - back] = STATUS_CODES[run.status]
    return "".join(days)


def stable_size(device: Device) -> int:
    return (sum(ord(c) * (i + 7) for i, c in enumerate(device.key)) % 300 + 20) * 1024**3


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|(?P<op>==|!=|=~|!~|>=|<=|>|<)|
    (?P<string>'[^']*'|"[^"]*")|(?P<ago>\d+\.(?:minutes|hours|days|weeks)\(\)\.ago\(\))|
    (?P<number>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z][A-Za-z0-9]*))""",
    re.VERBOSE,
)
AGO = {"minutes": 60, "hours": HOUR, "days": DAY, "weeks": 7 * DAY}
Predicate = Callable[[dict[str, str]], bool]


class FilterError(ValueError):
    pass


def compile_filter(text: str, at: int) -> Predicate:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = TOKEN.match(text, pos)
        if not m:
            raise FilterError(f"cannot read {text[pos : pos + 20]!r} at position {pos}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = Parser(tokens, at)
    predicate = parser.expression()
    if parser.pos != len(tokens):
        raise FilterError(f"unexpected {tokens[parser.pos][1]!r}")
    return predicate


class Parser:
    def __init__(self, tokens: list[tuple[str, str]], at: int):
        self.tokens, self.pos, self.at = tokens, 0, at

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.lower() == word:
            self.pos += 1
            return True
        return False

    def expression(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda v: any(p(v) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.factor()]
        while self.keyword("and"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else lambda v: all(p(v) for p in parts)

    def factor(self) -> Predicate:
        if self.keyword("not"):
            inner = self.factor()
            return lambda v: not inner(v)
        if self.peek() == ("paren", "("):
            self.take()
            inner = self.expression()
            if self.take() != ("paren", ")"):
                raise FilterError("missing ')'")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, word = self.take()
        if kind != "word":
            raise FilterError(f"expected a column code, got {word or 'the end'!r}")
        try:
            column = canonical(word)
        except ColumnError as exc:
            raise FilterError(str(exc)) from exc
        kind, op = self.take()
        if kind != "op":
            raise FilterError(f"expected an operator after {word!r}, got {op or 'the end'!r}")
        kind, raw = self.take()
        if kind == "string":
            wanted = raw[1:-1]
        elif kind == "number":
            wanted = raw
        elif kind == "ago":
            amount, unit = raw.split(".")[:2]
            wanted = str(self.at - int(amount) * AGO[unit[:-2]])
        else:
            raise FilterError(f"expected a value after {word} {op}, got {raw or 'the end'!r}")
        return compare(column, op, wanted)


def compare(column: str, op: str, wanted: str) -> Predicate:
    if op in ("=~", "!~"):
        pattern = wanted.lower()
        hit = op == "=~"
        return lambda v: fnmatchcase(v.get(column, "").lower(), pattern) == hit
    target = number(wanted)
    if op in ("==", "!="):
        same = op == "=="
        if target is not None and column not in TEXT_COLUMNS:
            return lambda v: (number(v.get(column, "") or "x") == target) == same
        return lambda v: (v.get(column, "") == wanted) == same
    if target is None:
        raise FilterError(f"{column} {op} needs a number, got {wanted!r}")
    accept = {">": target.__lt__, ">=": target.__le__, "<": target.__gt__, "<=": target.__ge__}[op]

    def ordered(values: dict[str, str]) -> bool:
        value = number(values.get(column, "") or "x")
        return value is not None and accept(value)

    return ordered
