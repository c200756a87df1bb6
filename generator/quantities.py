"""Numbers as printed, and targets/actuals as written in the forms.

`Num` keeps a figure's printed text (`5.00`, `08`, `100.0%`) beside its exact
Decimal value. `parse_quantity` reads `≥90.0%`, `=6000 个`, `每年至少 50 次`,
`40 万` into operator, number and unit; text it cannot read is qualitative.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Context, Decimal, ROUND_HALF_UP, InvalidOperation

_FULL_WIDTH = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "％": "%", "．": ".", "，": ",", "＋": "+", "－": "-", "＝": "=", "＞": ">", "＜": "<",
    "≧": "≥", "≦": "≤", "　": " ", "：": ":", "～": "~",
})

_NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_PLAIN_NUMBER_RE = re.compile(r"\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(%?)\s*$")


def normalize(text: str) -> str:
    """Full-width digits and punctuation to their ASCII forms."""
    return text.translate(_FULL_WIDTH)


@dataclass(frozen=True, slots=True)
class Num:
    """A figure as printed: exact value plus the text it was printed as."""

    value: Decimal
    text: str
    percent: bool = False

    @property
    def places(self) -> int:
        digits = self.text.rstrip("%").strip()
        return len(digits.split(".")[1]) if "." in digits else 0

    def __str__(self) -> str:
        return self.text


# Pure functions of the text, and the same few texts ("2.5", "≥100 个") recur across files.
@lru_cache(maxsize=8192)
def parse_num(text: str) -> Num | None:
    """A number such as `560.84`, `08`, `1,000`, `８９.８８％`; None if it is not one."""
    match = _PLAIN_NUMBER_RE.match(normalize(text))
    if not match:
        return None
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return None
    percent = bool(match.group(2))
    return Num(value / 100 if percent else value, text.strip(), percent)


# The figures a budget table can hold (in 万元, 1e15 is far beyond any budget): `limits.py`
# reports any other as an error before it reaches arithmetic.
MAX_INTEGER_DIGITS, MAX_PLACES = 15, 6
# A run of digits that may pass a bound (full-width ones too): nearly every text has none.
_LONG_DIGITS = re.compile(r"[\d,，]{%d}|[.．]\d{%d}" % (MAX_INTEGER_DIGITS + 1, MAX_PLACES + 1))


def fits(number: str) -> bool:
    """Whether a figure as written (`1,234.50`, `-08`, `99.5%`) has at most MAX_INTEGER_DIGITS
    digits before its point and MAX_PLACES after it."""
    if not _LONG_DIGITS.search(number):
        return True
    digits = normalize(number).strip().rstrip("%").strip().lstrip("+-").replace(",", "")
    whole, _, places = digits.partition(".")
    return len(whole.lstrip("0")) <= MAX_INTEGER_DIGITS and len(places) <= MAX_PLACES


def round_to(value: Decimal, places: int) -> Decimal:
    try:
        return value.quantize(_quantum(places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds (a rate of figures at their bounds)
        context = Context(prec=max(value.adjusted(), 0) + places + 2)
        return value.quantize(_quantum(places), rounding=ROUND_HALF_UP, context=context)


@lru_cache(maxsize=None)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def format_number(value: Decimal, places: int = 2, strip_zeros: bool = True) -> str:
    """`8.99`, `10` (or `10.00` when zeros are kept), never exponent notation."""
    text = f"{round_to(value, places):f}"
    if strip_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_rate(rate: Decimal, places: int, strip_zeros: bool) -> str:
    return format_number(rate * 100, places, strip_zeros) + "%"


_ONE, _HUNDRED = Decimal(1), Decimal(100)


def as_printed(value: Decimal, published: Num | None, places: int = 2, strip_zeros: bool = True,
               percent: bool = False) -> str:
    """A computed figure as its table prints it: the printed text where the two agree at the
    printed precision (`99.00`, `99.72%`); otherwise the computed value, to the given places or
    to as many as were printed, keeping zeros where the printed figure keeps them."""
    scale = _HUNDRED if percent else _ONE
    shown = value * scale
    if published is not None:
        if round_to(shown, published.places) == published.value * (_HUNDRED if published.percent else _ONE):
            return published.text
        places = max(places, published.places)
        strip_zeros = strip_zeros and not _keeps_zeros(published.text)
    return format_number(shown, places, strip_zeros) + ("%" if percent else "")


def _keeps_zeros(text: str) -> bool:
    digits = normalize(text).rstrip("%").strip()
    return "." in digits and digits.endswith("0")


def figure(value, published: Num | None = None) -> str:
    """A figure as the form prints it: entered numbers keep their text; computed ones print
    as their published counterpart where the two agree, else to 2 places."""
    if value is None:
        return ""
    if isinstance(value, Num):
        return value.text
    if isinstance(value, Decimal):
        return as_printed(value, published)
    return str(value)


def rate(value: Decimal | None, form, published: Num | None = None) -> str:
    """An execution rate at the precision of the form (`89.88%`, `100%`, `100.0%`), or as
    printed where the published rate agrees with it."""
    if value is None:
        return ""
    return as_printed(value, published, form.rate_places, form.rate_strip_zeros, percent=True)


# --- targets and actuals ----------------------------------------------------------

HIGHER, LOWER, EQUAL = "higher", "lower", "equal"
DIRECTIONS = (HIGHER, LOWER, EQUAL)

_OP_WORDS = [  # longest first
    ("大于等于", HIGHER), ("小于等于", LOWER), ("不低于", HIGHER), ("不少于", HIGHER),
    ("不超过", LOWER), ("不高于", LOWER), ("不大于", LOWER), ("不多于", LOWER),
    ("至少", HIGHER), ("最多", LOWER), ("≥", HIGHER), (">=", HIGHER), ("≤", LOWER),
    ("<=", LOWER), ("大于", HIGHER), ("高于", HIGHER), ("超过", HIGHER), ("小于", LOWER),
    ("低于", LOWER), (">", HIGHER), ("<", LOWER), ("==", EQUAL), ("=", EQUAL),
]
_SUFFIX_WORDS = [("及其以上", HIGHER), ("及其以下", LOWER), ("及以上", HIGHER), ("及以下", LOWER),
                 ("以上", HIGHER), ("以下", LOWER), ("以内", LOWER)]
_LEADING_WORDS = ("每年", "每月", "每季度", "全年", "年度", "累计", "共计", "约")
_UNIT_RE = re.compile(r"^[%a-zA-Z\u4e00-\u9fff·/]{0,6}$")  # 万重量箱/年
# A rank (`全省第二`, `第 3 名`): lower is better; its scope (全省) is its unit, so that only
# ranks in the same scope compare.
_RANK_RE = re.compile(r"^(?P<scope>[\u4e00-\u9fff]{0,4}?)第(?P<rank>[一二两三四五六七八九十]+|\d+)(?:名|位)?$")
_NUMERALS = {ch: n for n, ch in enumerate("零一二三四五六七八九")} | {"两": 2}
RANK_UNIT = "名次"
_MONEY = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_UNIT_ALIASES = {"万": "万元", "亿": "亿元", "％": "%"}


@dataclass(frozen=True, slots=True)
class Quantity:
    direction: str | None  # HIGHER, LOWER, EQUAL or None when the text names none
    number: Decimal
    unit: str  # "" when none is written

    def in_unit_of(self, other: "Quantity") -> Decimal | None:
        """This amount expressed in the other's unit, None when they cannot compare."""
        if not self.unit or not other.unit or self.unit == other.unit:
            return self.number
        if self.unit in _MONEY and other.unit in _MONEY:
            return self.number * _MONEY[self.unit] / _MONEY[other.unit]
        return None

    def in_money(self, unit: str, assumed: str) -> Decimal | None:
        """This amount in a money unit (`万元`), reading a bare number as `assumed`;
        None when it is not an amount of money (`%`, `次`)."""
        own = self.unit or assumed
        if own not in _MONEY:
            return None
        return self.number * _MONEY[own] / _MONEY[unit]


def _strip_operator(text: str, words) -> tuple[str, str | None]:
    for word, direction in words:
        if text.startswith(word):
            return text[len(word):], direction
    return text, None


def _rank_number(text: str) -> int:
    """`3`, `二`, `十二`, `二十三` as a number (ranks up to 99)."""
    if text.isdigit():
        return int(text)
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _NUMERALS[text] if len(text) == 1 else 0
    return (_NUMERALS.get(tens, 0) if tens else 1) * 10 + (_NUMERALS.get(units, 0) if units else 0)


@lru_cache(maxsize=8192)
def parse_quantity(text: str) -> Quantity | None:
    """`≥90.0%` → (higher, 90.0, %); `每年至少 50 次` → (higher, 50, 次); `全省第二` → (lower, 2,
    全省名次); prose, or a figure
    beyond what a table holds (see `fits`), → None."""
    found = _read_quantity(text)
    return found[0] if found is not None and fits(found[1]) else None


def oversized_quantity(text: str) -> str | None:
    """The figure of a quantity (`1000000000000000000 个`) that does not fit a table, if it is one."""
    if not _LONG_DIGITS.search(text):
        return None
    found = _read_quantity(text)
    return found[1] if found is not None and not fits(found[1]) else None


def _read_quantity(text: str) -> tuple[Quantity, str] | None:
    """The quantity a text states, with its figure as written."""
    rest = normalize(text).replace(" ", "")
    rank = _RANK_RE.match(rest)
    if rank and _rank_number(rank.group("rank")):
        number = _rank_number(rank.group("rank"))
        return Quantity(LOWER, Decimal(number), rank.group("scope") + RANK_UNIT), str(number)
    for word in _LEADING_WORDS:
        if rest.startswith(word):
            rest = rest[len(word):]
            break
    rest, direction = _strip_operator(rest, _OP_WORDS)
    match = _NUMBER_RE.match(rest)
    if not match:
        return None
    unit = rest[match.end():]
    for word, suffix_direction in _SUFFIX_WORDS:
        if unit.endswith(word):
            unit, direction = unit[: -len(word)], direction or suffix_direction
            break
    if not _UNIT_RE.match(unit):
        return None
    number = Decimal(match.group(0).replace(",", ""))
    return Quantity(direction, number, _UNIT_ALIASES.get(unit, unit)), match.group(0)


_NAME_OPERATORS = [(word, direction) for word, direction in _OP_WORDS + _SUFFIX_WORDS if len(word) > 1]
_NAME_OPERATOR_RE = re.compile("(?:" + "|".join(re.escape(word) for word, _ in _NAME_OPERATORS) + ")$")
_NAME_OPERATOR_DIRECTION = dict(reversed(_NAME_OPERATORS))  # the first listed wins


def direction_in_name(name: str) -> str | None:
    """An operator written into the indicator's name: `股权投资总额小于` → lower."""
    match = _NAME_OPERATOR_RE.search(normalize(name).rstrip(" ：:"))
    return _NAME_OPERATOR_DIRECTION[match.group(0)] if match else None


def reduce_html(text: str) -> str:
    """Published goal texts carry `<p>…</p>`: keep the words, drop every tag."""
    if "<" not in text:
        return text
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", text)
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li)\s*/?>", "\n", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = (text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&quot;", '"').replace("&amp;", "&"))
    return re.sub(r"\n{2,}", "\n", text).strip()
