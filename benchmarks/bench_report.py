"""Validation and report benchmark: a synthetic nation through the whole pipeline vs a bare model_validate.

Usage: python benchmarks/bench_report.py [--quick] [--cities N] [--indicators K] [--out DIR]

``--cities 30 --indicators 400`` is the registry-cache check: a city with more indicators than the plan
cache's record budget used to have them evicted and validated again for each of its fiscal years.

The nation: 1,741 municipalities, each with 40 programs in each of 6 fiscal years, 5 indicators holding a
plan target and an actual for each of those years (actuals in every status: final, provisional, partial,
cancelled), and 10 tools. The data is made by a seeded generator (not hypothesis: the point is volume, not
edge cases) as the plain dictionaries a plugin's hooks return.

- baseline: ``Model.model_validate`` of every record, once, with nothing else (the floor for any library
  that validates its input with pydantic);
- zaitaku: register a plugin serving the nation, then for every municipality and fiscal year build the
  plan (every record validated through the registry), run the whole validation catalogue, build the report
  and write its JSON file (``build_reports``: a city's reports one year at a time).

The input is made one municipality at a time (untimed) and both are timed on it, so the nation's raw data
never sits in memory at once and neither side pays the other's garbage-collection costs.

Prints both times (wall clock and CPU), their ratios (goal: at most 2x) and peak memory (RSS high-water mark of
this process).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from zaitaku_core import hookimpl
from zaitaku_core.codes import calc_check_digit, prefecture_name
from zaitaku_core.model import City, Indicator, Program, Tool
from zaitaku_core.plugins import Registry, create_registry
from zaitaku_core.report import build_reports, render

FISCAL_YEARS = tuple(range(2024, 2030))
OLD_ITEMS = ("ア", "イ", "ウ", "エ", "オ", "カ", "キ", "ク")
SCENES = ("daily_support", "admission_discharge", "emergency", "end_of_life")
TOOL_KINDS = ("form", "notebook", "ict", "publication", "resource_list", "meeting")
STATUSES = ("final", "provisional", "partial", "cancelled")


def _codes(n: int, rng: random.Random) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        five = f"{rng.randint(1, 47):02d}{rng.randint(100, 999):03d}"
        codes.add(five + calc_check_digit(five))
    return sorted(codes)


def municipalities(n: int, seed: int = 2024) -> list[dict[str, Any]]:
    """The city records of a synthetic nation of ``n`` municipalities."""
    rng = random.Random(seed)
    return [
        {
            "id": f"city-{code}",
            "municipality": {"code": code, "name": f"市{index}", "prefecture": prefecture_name(code)},
            "fiscal_years": list(FISCAL_YEARS),
            "scene_aims": dict.fromkeys(SCENES, "目指すべき姿"),  # a clean plan states them (else ZK018)
            "organizations": [
                {"name": "長寿社会課", "kind": "municipality"},
                {"name": "医師会", "kind": "medical_association"},
            ],
        }
        for index, code in enumerate(_codes(n, rng))
    ]


def city_data(city: dict[str, Any], n_indicators: int = 5) -> dict[str, Any]:
    """The programs, tools and indicators of one synthetic city (deterministic from its code)."""
    cid = city["id"]
    rng = random.Random(city["municipality"]["code"])
    tools = [
        {"id": f"{cid}-tool-{t}", "name": f"連携ツール{t}", "kind": TOOL_KINDS[t % len(TOOL_KINDS)]} for t in range(10)
    ]
    programs = {
        fy: [
            {
                "id": f"{cid}-{p:02d}",  # a program that continues keeps its id
                "title": f"取組{p}",
                "fiscal_year": fy,
                "old_item": OLD_ITEMS[p % 7],  # ク is optional: leave it out so the plan is clean
                "scenes": [  # an inferred tag gives its reason (else ZK017), as a clean plan does
                    {"scene": SCENES[p % 4], "reason": "取組の対象"},
                    {"scene": SCENES[(p + 1) % 4], "reason": "取組の対象"},
                ],
                "overview": "医療・介護関係者の連携を推進する。" * 3,
                "actions": [
                    {"role": "city", "owners": ["長寿社会課"], "text": "会議を開催する。"},
                    {"role": "partner", "owners": ["医師会"], "text": "会議に参加する。"},
                ],
                "frequency": ("年1回", "年4回", "通年", "随時")[p % 4],
                "tools": [tools[p % 10]["id"]],
            }
            for p in range(40)
        ]
        for fy in FISCAL_YEARS
    }
    indicators = []
    for i in range(n_indicators):
        values: list[dict[str, Any]] = []
        for fy in FISCAL_YEARS:
            values.append({"fiscal_year": fy, "kind": "plan", "value": rng.randint(1, 50)})
            status = STATUSES[(i + fy) % 4]
            actual: dict[str, Any] = {"fiscal_year": fy, "kind": "actual", "status": status}
            if status != "cancelled":
                actual["value"] = rng.randint(0, 60)
            if status == "partial":
                actual["as_of"] = f"{fy}-12-31"
            values.append(actual)
        indicators.append(
            {
                "id": f"{cid}-ind-{i}",
                "name": f"指標{i}",
                "unit": "回",
                "type": "process",
                "programs": [f"{cid}-{i % 40:02d}"],
                "values": values,
            }
        )
    return {"programs": programs, "tools": tools, "indicators": indicators}


class NationPlugin:
    """Serves the synthetic nation through the ordinary hooks, as raw mappings.

    Every city is listed; the records of the city being processed are in :attr:`current` (one city at a
    time, so the input does not fill memory).
    """

    def __init__(self, cities: list[dict[str, Any]]) -> None:
        self.cities = cities
        self.current: tuple[str, dict[str, Any]] = ("", {})

    def _of(self, city: str) -> dict[str, Any] | None:
        return self.current[1] if city == self.current[0] else None

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return self.cities

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        entry = self._of(city)
        return entry["programs"].get(fiscal_year, []) if entry else None

    @hookimpl
    def zaitaku_tools(self, city: str) -> list[dict[str, Any]] | None:
        entry = self._of(city)
        return entry["tools"] if entry else None

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]] | None:
        entry = self._of(city)
        return entry["indicators"] if entry else None


def baseline(city: dict[str, Any], data: dict[str, Any]) -> int:
    """Bare pydantic: validate every record of one city once. Returns the number of records."""
    City.model_validate(city)
    for programs in data["programs"].values():
        for record in programs:
            Program.model_validate(record)
    for record in data["tools"]:
        Tool.model_validate(record)
    for record in data["indicators"]:
        Indicator.model_validate(record)
    return 1 + sum(map(len, data["programs"].values())) + len(data["tools"]) + len(data["indicators"])


def pipeline(registry: Registry, city_id: str, out: Path) -> int:
    """Every fiscal year of one city: plan, validation catalogue, report, JSON file. Returns the findings."""
    findings = 0
    for report in build_reports(registry, city_id, FISCAL_YEARS):
        section = next(s for s in report.sections if s.id == "findings")
        findings += sum(len(table.rows) for table in section.tables)
        (out / f"{city_id}-{report.fiscal_year}.json").write_bytes(render(report, "json"))
    return findings


class CollectorClock:
    """Total time the garbage collector has spent so far (read it before and after a timed region)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100 municipalities instead of 1,741")
    parser.add_argument(
        "--out", type=Path, help="directory for the JSON reports (default: a temporary one, in /dev/shm if present)"
    )
    parser.add_argument("--cities", type=int, help="municipalities (default 1,741; 100 with --quick)")
    parser.add_argument("--indicators", type=int, default=5, help="indicators per municipality (default 5)")
    args = parser.parse_args()
    size = args.cities or (100 if args.quick else 1741)
    cities = municipalities(size)
    print(
        f"synthetic nation: {size:,} municipalities x 40 programs x {args.indicators} indicators x "
        f"{len(FISCAL_YEARS)} fiscal years",
        flush=True,
    )
    base_time = run_time = base_gc = run_gc = base_cpu = run_cpu = 0.0
    records = findings = 0
    collector = CollectorClock()
    # In memory where the system has a tmpfs: the benchmark measures the library, not the disk (on this
    # machine's ext4, writing 10,000 files stalls on writeback at random). --out DIR includes your disk.
    ram = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=ram if ram.is_dir() else None) as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        plugin = NationPlugin(cities)
        start, cpu = time.perf_counter(), time.process_time()
        registry = create_registry(entry_points=False)
        registry.register(plugin, name="nation")  # validates every city record
        run_time += time.perf_counter() - start
        run_cpu += time.process_time() - cpu
        for city in cities:
            data = city_data(city, args.indicators)  # not timed: the input, as a plugin would hold it
            start, cpu, in_gc = time.perf_counter(), time.process_time(), collector.total
            records += baseline(city, data)
            base_time += time.perf_counter() - start
            base_cpu += time.process_time() - cpu
            base_gc += collector.total - in_gc
            plugin.current = (city["id"], data)
            start, cpu, in_gc = time.perf_counter(), time.process_time(), collector.total
            findings += pipeline(registry, city["id"], out)
            run_time += time.perf_counter() - start
            run_cpu += time.process_time() - cpu
            run_gc += collector.total - in_gc
        reports = len(list(out.glob("*.json")))
    where = args.out or f"a temporary folder in {Path(tmp).parent}"
    print(f"reports written to {where}")
    print(f"baseline   model_validate of {records:,} records:  {base_time:8.2f} s  (collector {base_gc:.2f} s)")
    print(
        f"zaitaku    validate + {reports:,} JSON reports:  {run_time:8.2f} s  (collector {run_gc:.2f} s;"
        f" {findings:,} findings)"
    )
    print(f"ratio {run_time / base_time:.2f}x wall clock (goal <= 2x)")
    print(
        f"  CPU time (this process): baseline {base_cpu:.2f} s, zaitaku {run_cpu:.2f} s: {run_cpu / base_cpu:.2f}x"
        " (steadier than wall clock on a shared machine)"
    )
    print(
        f"  without the collector's pauses on either side: {(run_time - run_gc) / (base_time - base_gc):.2f}x"
        " (shown to explain the ratio, not instead of it)"
    )
    # The collector runs when allocations outnumber frees: work that only moves into the untimed input shows here.
    young, middle, full = (stats["collections"] for stats in gc.get_stats())
    untimed_gc = collector.total - base_gc - run_gc
    print(
        f"  the collector outside both timed parts (making the input, registering): {untimed_gc:.2f} s;"
        f" collections over the whole process: {young:,} young, {middle:,} middle, {full:,} full"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
