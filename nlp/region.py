"""Where a post is from: ``"广东省"`` or ``"广东省/深圳市"``, or ``""`` when it cannot be told.

The gazetteer is data shipped with the package:

* ``nlp/data/regions.tsv``: the 34 provincial-level units and the 333 prefecture-level units
  (cities, 地区, 自治州, 盟) plus the county-level units a province administers directly
  (济源, 仙桃, Hainan's counties, the XPCC cities), with short forms, former names,
  a ``risky`` flag for short forms that are also common words, and "block" phrases
  (北京时间, 中山大学) that contain a place name without placing the post there;
* ``nlp/data/counties.tsv``: the county-level units (区, 县, 县级市, 旗) under each parent.

How a post is placed, strongest signal first:

1. an explicit IP location: the ``ip_location`` argument, else ``IP属地：广东`` in the text;
2. a procuratorate named in the text (``深圳市人民检察院``, ``深圳市南山区检察院``,
   ``@南山检察``), then one named in ``site``;
3. the places mentioned in the text, then in ``site``: the most frequent province wins,
   ties go to the one mentioned first.

The province comes from the strongest signal that has one; the city is the most frequent
city of that province in the same signal, or else in the next weaker signal that has one.
A city implies its province; a county implies its city (its province for the districts
of 北京, 天津, 上海, 重庆, which are reported as the province alone).

False positives are avoided by construction rather than by scoring:

* matching is leftmost-longest over all names at once, so ``江西安福县`` reads 江西 + 安福县,
  never 西安; "block" phrases win the same way (``兰州拉面``, ``孙中山``);
* a short form followed by 路/街/大道/巷/胡同 is a street (``中山路``, ``南京东路``);
* a name that does not count where it stands still uses up its text (峨眉山 is never 眉山);
* a risky short form (大同, 朝阳, 中山, 新乡 …) counts only when it stands before 检察
  or when its province or city is named elsewhere (or given by the IP location);
* a county-level name shared by several parents (南山区, 朝阳区) counts only when one of its
  cities or provinces is named elsewhere; a county-level name that is also a phrase
  (解放区, 比如县) is treated like a risky short form; a county's short form (南山) and a
  two-character county name (沛县) count only before 检察;
* one-character abbreviations (粤, 京) are used only for an exact ``ip_location`` lookup.

Matching runs over at most :data:`MAX_CHARS` characters of text.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

log = logging.getLogger(__name__)

MAX_CHARS = 20_000
"""Only the first MAX_CHARS characters of a text are read (places come early in a post)."""

PROVINCE, CITY, COUNTY = "province", "city", "county"


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative unit. ``city`` is "" for provinces and municipality districts."""

    name: str
    province: str
    city: str
    level: str


# How a surface form may fire.
_FULL, _SHORT, _PROC, _BLOCK = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class _Form:
    places: tuple[Place, ...]  # more than one: ambiguous
    mode: int
    risky: bool


_PROC_AFTER = ("人民检察", "检察", "检方", "铁路运输检察")
_STREET = re.compile(r"[东西南北中]?[一二三四五六七八九十\d]{0,3}(?:路|街|大街|大道|巷|胡同)")
_IP_IN_TEXT = re.compile(r"IP\s*属地\s*[:：]?\s*([\u4e00-\u9fff]{2,12})", re.IGNORECASE)
_PROC_NAME = re.compile(r"([\u4e00-\u9fff])[省市县区州旗盟](?:人民)?检察院")
# 某区检察院, 该市检察院, 向县检察院, 市区检察院: no place name before the 区/市/县
_GENERIC_BEFORE_SUFFIX = frozenset(
    "某该本我全各此这那其外原上下两多邻异同他你您省市县区州乡镇级地方城向到在给对和与及或被由"
    "从经至赴去来找跟让把将为是的了据称请"
)
_IP_PREFIX = re.compile(r"^IP\s*属地\s*[:：]?\s*", re.IGNORECASE)
_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|"
    "高山|拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|"
    "普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|"
    "珞巴|基诺|各"
)
_AUTONOMOUS = re.compile(rf"^(..+?)(?:(?:{_ETHNIC})族?)+自治[县旗州]$")
_ETHNIC_DISTRICT = re.compile(rf"^(..+?)(?:(?:{_ETHNIC})族)+区$")


class _Gazetteer:
    """The loaded tables: surface form → _Form, and a bigram index for scanning."""

    def __init__(self, regions: str, counties: str) -> None:
        self.places: list[Place] = []
        self.exact: dict[str, Place] = {}  # ip_location lookups, abbreviations included
        cand: dict[str, list[tuple[int, int, Place, bool]]] = {}  # surface → (tier, mode, place, risky)
        blocks: list[str] = []
        by_name: dict[str, Place] = {}

        def add(surface: str, tier: int, mode: int, place: Place, risky: bool) -> None:
            if len(surface) >= 2:
                cand.setdefault(surface, []).append((tier, mode, place, risky))

        for row in _rows(regions):
            kind, name = row[0], row[1]
            if kind == "block":
                blocks.append(name)
                continue
            short = row[2] if len(row) > 2 else ""
            aliases = [a for a in (row[3] if len(row) > 3 else "").split(",") if a]
            parent = row[4] if len(row) > 4 else ""
            flags = set((row[5] if len(row) > 5 else "").split(","))
            if kind == "province":
                place = Place(name, name, "", PROVINCE)
                tier = 0
            elif kind == "city":
                if parent not in by_name:
                    raise ValueError(f"regions.tsv: {name}: unknown province {parent!r}")
                place = Place(name, parent, name, CITY)
                tier = 1
            else:
                raise ValueError(f"regions.tsv: unknown kind {kind!r}")
            by_name[name] = place
            self.places.append(place)
            add(name, tier, _FULL, place, False)
            add(short, tier, _SHORT, place, "risky" in flags)
            for alias in aliases:
                add(alias, tier, _FULL, place, False)
            for surface in (name, short, *aliases):
                if surface:
                    self.exact.setdefault(surface, place)

        for row in _rows(counties):
            parent = by_name.get(row[0])
            if parent is None or len(row) < 2:
                raise ValueError(f"counties.tsv: unknown parent {row[0]!r}")
            for item in row[1].split():
                risky = item.startswith("?")
                names = item.lstrip("?").split("|")
                place = Place(names[0], parent.province, parent.city, COUNTY)
                self.places.append(place)
                for name in names:
                    add(name, 2, _FULL if len(name) >= 3 else _PROC, place, risky)
                    add(_county_short(name), 3, _PROC, place, True)

        self.forms: dict[str, _Form] = {}
        for surface, entries in cand.items():
            top = min(e[0] for e in entries)
            best = [e for e in entries if e[0] == top]
            places = tuple(dict.fromkeys(e[2] for e in best))
            self.forms[surface] = _Form(places, max(e[1] for e in best), any(e[3] for e in best))
        for phrase in blocks:
            self.forms[phrase] = _Form((), _BLOCK, False)

        index: dict[str, list[str]] = {}
        for surface in self.forms:
            index.setdefault(surface[:2], []).append(surface)
        self.index: dict[str, tuple[str, ...]] = {
            k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()
        }
        self.upper_tier = {s for s, es in cand.items() if min(e[0] for e in es) <= 1}
        # Positions where a name can start: a possible first character followed by a possible
        # second one. The regex skips everything else in C; the bigram index does the rest.
        first = "".join(sorted({s[0] for s in self.forms}))
        second = "".join(sorted({s[1] for s in self.forms}))
        self.prefilter = re.compile(f"[{re.escape(first)}](?=[{re.escape(second)}])")


def _rows(text: str) -> Iterable[list[str]]:
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n").split("\t")


def _county_short(name: str) -> str:
    """南山区 → 南山, 长阳土家族自治县 → 长阳, 六枝特区 → 六枝; "" when nothing useful is left."""
    m = _AUTONOMOUS.match(name) or _ETHNIC_DISTRICT.match(name)
    if m:
        short = m.group(1)
    else:
        short = re.sub(r"(?:族?自治[县旗]|特区|林区|矿区|新区|[区县市旗])$", "", name)
    return short if len(short) >= 2 else ""


_LOCK = threading.Lock()
_GAZ: _Gazetteer | None = None


def _gazetteer() -> _Gazetteer:
    global _GAZ
    if _GAZ is None:
        with _LOCK:
            if _GAZ is None:
                data = resources.files("nlp").joinpath("data")
                _GAZ = _Gazetteer(
                    data.joinpath("regions.tsv").read_text(encoding="utf-8"),
                    data.joinpath("counties.tsv").read_text(encoding="utf-8"),
                )
                log.debug("gazetteer loaded: %d places, %d forms", len(_GAZ.places), len(_GAZ.forms))
    return _GAZ


def places() -> tuple[Place, ...]:
    """Every place of the gazetteer: provinces, prefecture-level units, county-level units."""
    return tuple(_gazetteer().places)


# A hit: (start, end, form, before_procuratorate)
_Hit = tuple[int, int, _Form, bool]


def _scan(g: _Gazetteer, text: str) -> list[_Hit]:
    """Leftmost-longest matches of gazetteer forms, with the local rules applied."""
    hits: list[list] = []
    index_get = g.index.get
    forms = g.forms
    pos = 0
    for m in g.prefilter.finditer(text):
        i = m.start()
        if i < pos:
            continue
        cands = index_get(text[i : i + 2])
        if cands is None:
            continue
        for surface in cands:
            if text.startswith(surface, i):
                break
        else:
            continue
        form = forms[surface]
        end = i + len(surface)
        if form.mode == _BLOCK:
            pos = end
            continue
        nxt = text[end : end + 1]
        if form.mode == _FULL and nxt:
            # 深圳市场 → 深圳; 海南区域 → 海南; a lone 沙河市场 is no place at all
            back = None
            if surface[-1] == "市" and nxt in "场民":
                back = surface[:-1] if surface[:-1] in forms else ""
            elif surface[-1] == "区" and nxt in "域县" and surface[:-1] in g.upper_tier:
                back = surface[:-1]
            if back == "":
                pos = end
                continue
            if back:
                surface, end = back, end - 1
                form = forms[surface]
        # A name that does not count here still uses up its text: 峨眉山 is not 眉山.
        proc = text.startswith(_PROC_AFTER, end)
        if form.mode == _PROC:
            # 沛县检察院, @南山检察: only before 检察, and not glued to the previous word
            # (县纪委和县检察院 is not 和县)
            if not proc or (i and _is_cjk(text[i - 1]) and not (hits and hits[-1][1] == i)):
                pos = end
                continue
        if form.mode == _SHORT and _STREET.match(text, end):
            pos = end
            continue
        if (
            form.places
            and form.places[0].level == COUNTY
            and i
            and text[i - 1] in "市州盟县"
            and not (hits and hits[-1][1] == i)
        ):
            pos = end
            continue  # 云州市临河区: a district of a city this gazetteer does not know
        hits.append([i, end, form, proc])
        pos = end
    # 广东省深圳市南山区人民检察院: the whole chain names the procuratorate
    for k in range(len(hits) - 1, 0, -1):
        if hits[k][3] and hits[k - 1][1] == hits[k][0]:
            hits[k - 1][3] = True
    return [tuple(h) for h in hits]  # type: ignore[misc]


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _unknown_procuratorate(text: str, hits: list[_Hit]) -> bool:
    """True when the text names a procuratorate (青石县人民检察院) whose place is not known."""
    if "检察院" not in text:
        return False
    proc_ends = {h[1] for h in hits if h[3]}
    for m in _PROC_NAME.finditer(text):
        end = m.start(1) + 2  # just after the 县/市/区 of the place name
        if end not in proc_ends and m.group(1) not in _GENERIC_BEFORE_SUFFIX:
            return True
    return False


def _ip_places(g: _Gazetteer, ip_location: str, text: str) -> list[Place]:
    """Places of an explicit IP location (argument first, then ``IP属地：…`` in the text)."""
    raw = (ip_location or "").strip()
    if not raw and "属地" in text:
        m = _IP_IN_TEXT.search(text)
        raw = m.group(1) if m else ""
    if not raw:
        return []
    raw = _IP_PREFIX.sub("", raw).strip()
    if raw.startswith("中国"):
        raw = raw[2:]
    if not raw:
        return []
    if raw in g.exact:
        return [g.exact[raw]]
    # "广东深圳": every name counts, risky or not; ambiguous ones are left out
    return [h[2].places[0] for h in _scan(g, raw) if len(h[2].places) == 1]


def _top(values: list[str]) -> str:
    """Most frequent value, ties to the earliest."""
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=counts.__getitem__)  # dicts keep first-seen order; max keeps the first


def detect_region(text: str, site: str = "", ip_location: str = "") -> str:
    """The post's province, or ``"省/市"`` when the city can be told, or ``""``.

    ``text`` is normalized post text (simplified, half-width); ``site`` the site or account
    name; ``ip_location`` the platform's IP属地 when the crawler has it ("广东", "中国香港").
    """
    if not text and not site and not ip_location:
        return ""
    g = _gazetteer()
    text = text[:MAX_CHARS] if isinstance(text, str) else ""
    site = site[:200] if isinstance(site, str) else ""
    ip = _ip_places(g, ip_location if isinstance(ip_location, str) else "", text)
    text_hits = _scan(g, text) if text else []
    site_hits = _scan(g, site) if site else []

    ctx_prov = {p.province for p in ip}
    ctx_city = {p.city for p in ip if p.city}
    for _, _, form, proc in (*text_hits, *site_hits):
        if len(form.places) == 1 and (not form.risky or (proc and form.mode != _PROC)):
            ctx_prov.add(form.places[0].province)
            if form.places[0].city:
                ctx_city.add(form.places[0].city)

    def resolve(hits: list[_Hit]) -> tuple[list[Place], list[Place]]:
        procs: list[Place] = []
        mentions: list[Place] = []
        for _, _, form, proc in hits:
            cands = form.places
            if len(cands) == 1 and (not form.risky or (proc and form.mode != _PROC)):
                place = cands[0]
            else:
                fits = [p for p in cands if p.city in ctx_city] or [
                    p for p in cands if p.province in ctx_prov
                ]
                if len(fits) != 1:
                    continue
                place = fits[0]
            (procs if proc else mentions).append(place)
        return procs, mentions

    text_proc, text_mention = resolve(text_hits)
    site_proc, site_mention = resolve(site_hits)
    if not (ip or text_proc or site_proc) and (
        _unknown_procuratorate(text, text_hits) or _unknown_procuratorate(site, site_hits)
    ):
        return ""  # the post is placed by a procuratorate we cannot locate, not by its mentions
    signals = [ip, text_proc, site_proc, text_mention, site_mention]
    for k, signal in enumerate(signals):
        if signal:
            province = _top([p.province for p in signal])
            break
    else:
        return ""
    for signal in signals[k:]:
        cities = [p.city for p in signal if p.province == province and p.city]
        if cities:
            return f"{province}/{_top(cities)}"
    return province
